"""Log in, log out, and who am I."""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated

from fastapi import APIRouter, Depends, HTTPException, Request, Response
from pydantic import BaseModel, Field

from api import auth
from api.account_audit import login_refused
from api.audit import record as audit_record
from api.auth import CurrentUser, LoginThrottledError, User
from api.deps import DbConn
from db import accounts

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class Credentials(BaseModel):
    """Name and password."""

    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=1024)


class Me(BaseModel):
    """The logged-in person."""

    id: int
    username: str
    display_name: str
    role: str
    vehicle_id: str | None
    locale: str


class Session(Me):
    """A new session: the token (also set as a cookie) and its expiry."""

    token: str
    expires_at: str


def _me(user: User) -> Me:
    return Me(
        id=user.id,
        username=user.username,
        display_name=user.display_name,
        role=user.role.value,
        vehicle_id=user.vehicle_id,
        locale=user.locale,
    )


@router.post(
    "/login",
    responses={401: {"description": "wrong name or password"}, 429: {"description": "throttled"}},
)
def login(body: Credentials, request: Request, response: Response, conn: DbConn) -> Session:
    """Open a session: sets an HttpOnly cookie and returns the token for bearer use."""
    settings = request.app.state.settings
    try:
        user = auth.authenticate(
            conn=conn,
            username=body.username.strip().lower(),
            password=body.password,
            client_ip=auth.client_address(request),
        )
    except LoginThrottledError as exc:
        login_refused(
            conn=conn, username=body.username.strip().lower(), request=request, reason="throttled"
        )
        raise HTTPException(429, str(exc), headers={"Retry-After": str(exc.retry_after)}) from None
    if user is None:
        login_refused(
            conn=conn,
            username=body.username.strip().lower(),
            request=request,
            reason="wrong_password",
        )
        raise HTTPException(401, "wrong name or password")
    audit_record(
        conn=conn,
        user=user,
        action="login",
        object_type="user",
        object_id=user.username,
        request=request,
    )
    ttl = timedelta(hours=settings.session_hours)
    token, expires_at = auth.open_session(
        conn=conn, user=user, secret_key=settings.secret_key.get_secret_value(), ttl=ttl
    )
    response.set_cookie(
        auth.SESSION_COOKIE,
        token,
        max_age=int(ttl.total_seconds()),
        httponly=True,
        samesite="strict",
        secure=settings.secure_cookies,
        path="/",
    )
    return Session(**_me(user).model_dump(), token=token, expires_at=expires_at.isoformat())


@router.post("/logout", status_code=204)
def logout(
    request: Request,
    response: Response,
    conn: DbConn,
    user: Annotated[User | None, Depends(auth.optional_user)],
) -> None:
    """End the current session (if any) and clear the cookie."""
    token = auth.request_token(request)
    if user is not None:
        audit_record(
            conn=conn,
            user=user,
            action="logout",
            object_type="user",
            object_id=user.username,
            request=request,
        )
    if token:
        secret = request.app.state.settings.secret_key.get_secret_value()
        auth.close_session(conn=conn, secret_key=secret, token=token)
    response.delete_cookie(auth.SESSION_COOKIE, path="/")


@router.get("/me")
def me(user: CurrentUser) -> Me:
    """The logged-in person and their role (401 when not logged in)."""
    return _me(user)


class Unlock(BaseModel):
    """The account name whose failed logins are forgiven."""

    username: str = Field(min_length=1, max_length=64)


class Unlocked(BaseModel):
    """How many failed logins were forgiven."""

    username: str
    cleared: int


@router.post("/unlock")
def unlock(
    body: Unlock,
    conn: DbConn,
    _admin: Annotated[User, Depends(auth.require_roles(auth.Role.ADMIN))],
) -> Unlocked:
    """An administrator lifts the login delays of an account at once."""
    name = body.username.strip().lower()
    return Unlocked(username=name, cleared=accounts.clear_login_failures(conn=conn, username=name))
