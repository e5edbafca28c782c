"""Administrators: accounts (add, change role, disable, reset a password) and the audit log.

Every change to an account is written to the audit log in the same transaction. An
administrator cannot disable or demote their own account, so the city is never left without one.
"""

from __future__ import annotations

import csv
import io
import json
import re
import secrets
from datetime import datetime
from typing import Annotated, Any, Literal

import psycopg
from fastapi import APIRouter, Depends, HTTPException, Query, Request, Response
from pydantic import AwareDatetime, BaseModel, Field

from api import audit
from api.auth import Role, User, hash_password, require_roles
from api.deps import DbConn
from db import accounts as q
from db import audit as audit_store
from db import fleet

router = APIRouter(prefix="/api/v1/admin", tags=["admin"])
Admin = Annotated[User, Depends(require_roles(Role.ADMIN))]
RoleName = Literal["crew", "coordinator", "enforcement", "admin"]
Locale = Literal["nl-BE", "en"]
USERNAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,62}")
MIN_PASSWORD = 10


class NewAccount(BaseModel):
    """An account to add; without a password, one is made and shown once."""

    username: str = Field(max_length=63)
    display_name: str = Field(default="", max_length=200)
    role: RoleName
    vehicle_id: str | None = Field(default=None, max_length=64)
    locale: Locale = "nl-BE"
    password: str | None = Field(default=None, max_length=1024)


class AccountChange(BaseModel):
    """What an administrator may change on an account."""

    display_name: str = Field(min_length=1, max_length=200)
    role: RoleName
    vehicle_id: str | None = Field(default=None, max_length=64)
    locale: Locale = "nl-BE"


class PasswordReset(BaseModel):
    """A new password; empty: one is made and shown once."""

    password: str | None = Field(default=None, max_length=1024)


class AccountSaved(BaseModel):
    """The account after a change, and a password made for it (shown this once only)."""

    account: q.AccountRow
    password: str | None = None


def _password(given: str | None) -> tuple[str, bool]:
    if not given:
        return secrets.token_urlsafe(12), True
    if len(given) < MIN_PASSWORD:
        raise HTTPException(422, f"een wachtwoord heeft minstens {MIN_PASSWORD} tekens")
    return given, False


def _vehicle(conn: DbConn, role: str, vehicle_id: str | None) -> str | None:
    vehicle_id = (vehicle_id or "").strip() or None
    if role != "crew":
        return None
    if vehicle_id is None:
        raise HTTPException(422, "een ploeglid heeft een voertuig nodig")
    if fleet.get_row(conn=conn, kind=fleet.VehicleRow, row_id=vehicle_id) is None:
        raise HTTPException(422, f"voertuig {vehicle_id!r} bestaat niet")
    return vehicle_id


def _found(conn: DbConn, user_id: int) -> q.AccountRow:
    row = q.account(conn=conn, user_id=user_id)
    if row is None:
        raise HTTPException(404, f"gebruiker {user_id} bestaat niet")
    return row


def _record(  # noqa: PLR0917 - one short call on every account change
    conn: DbConn,
    user: User,
    request: Request,
    action: str,
    row: q.AccountRow,
    detail: dict[str, Any],
) -> None:
    audit.record(
        conn=conn,
        user=user,
        action=action,
        object_type="user",
        object_id=row.username,
        detail=detail,
        request=request,
    )


@router.get("/users")
def list_accounts(conn: DbConn, _user: Admin) -> list[q.AccountRow]:
    """Every account, its role and whether it is enabled."""
    return q.accounts(conn=conn)


@router.post("/users", status_code=201)
def add_account(conn: DbConn, user: Admin, request: Request, body: NewAccount) -> AccountSaved:
    """Add an account."""
    username = body.username.strip().lower()
    if not USERNAME.fullmatch(username):
        raise HTTPException(422, "een gebruikersnaam heeft 2-63 tekens: a-z, 0-9, '.', '_', '-'")
    password, made = _password(body.password)
    vehicle_id = _vehicle(conn, body.role, body.vehicle_id)
    try:
        user_id = q.insert_user(
            conn=conn,
            username=username,
            display_name=body.display_name.strip() or username,
            role=body.role,
            password_hash=hash_password(password),
            vehicle_id=vehicle_id,
            locale=body.locale,
        )
    except psycopg.errors.UniqueViolation:
        raise HTTPException(409, f"gebruiker {username!r} bestaat al") from None
    row = _found(conn, user_id)
    _record(
        conn, user, request, "user.create", row, {"role": row.role, "vehicle_id": row.vehicle_id}
    )
    return AccountSaved(account=row, password=password if made else None)


@router.put("/users/{user_id}")
def change_account(
    conn: DbConn, user: Admin, request: Request, user_id: int, body: AccountChange
) -> AccountSaved:
    """Change name, role, vehicle or language; a new role ends the account's sessions."""
    before = _found(conn, user_id)
    if user_id == user.id and body.role != Role.ADMIN.value:
        raise HTTPException(409, "je kan je eigen beheerdersrol niet afnemen")
    vehicle_id = _vehicle(conn, body.role, body.vehicle_id)
    q.update_account(
        conn=conn,
        user_id=user_id,
        display_name=body.display_name.strip(),
        role=body.role,
        vehicle_id=vehicle_id,
        locale=body.locale,
    )
    after = _found(conn, user_id)
    changed = {
        k: {"van": getattr(before, k), "naar": getattr(after, k)}
        for k in ("display_name", "role", "vehicle_id", "locale")
        if getattr(before, k) != getattr(after, k)
    }
    _record(conn, user, request, "user.update", after, changed)
    return AccountSaved(account=after)


def _set_active(
    *, conn: DbConn, user: Admin, request: Request, user_id: int, active: bool
) -> AccountSaved:
    row = _found(conn, user_id)
    if user_id == user.id and not active:
        raise HTTPException(409, "je kan je eigen account niet uitschakelen")
    q.set_account_active(conn=conn, user_id=user_id, active=active)
    _record(conn, user, request, "user.enable" if active else "user.disable", row, {})
    return AccountSaved(account=_found(conn, user_id))


@router.post("/users/{user_id}/disable")
def disable_account(conn: DbConn, user: Admin, request: Request, user_id: int) -> AccountSaved:
    """Disable an account: its sessions end and it can no longer log in."""
    return _set_active(conn=conn, user=user, request=request, user_id=user_id, active=False)


@router.post("/users/{user_id}/enable")
def enable_account(conn: DbConn, user: Admin, request: Request, user_id: int) -> AccountSaved:
    """Enable an account again."""
    return _set_active(conn=conn, user=user, request=request, user_id=user_id, active=True)


@router.post("/users/{user_id}/password")
def reset_password(
    conn: DbConn, user: Admin, request: Request, user_id: int, body: PasswordReset
) -> AccountSaved:
    """Set a new password (or make one, shown once); every session of the account ends."""
    row = _found(conn, user_id)
    password, made = _password(body.password)
    q.reset_password(conn=conn, user_id=user_id, password_hash=hash_password(password))
    _record(conn, user, request, "user.password_reset", row, {"generated": made})
    return AccountSaved(account=_found(conn, user_id), password=password if made else None)


Action = Annotated[
    str | None, Query(max_length=60, description="an action, or a prefix ending in '.'")
]
Username = Annotated[str | None, Query(max_length=64)]
Since = Annotated[AwareDatetime | None, Query(description="from (inclusive), ISO 8601")]
Until = Annotated[AwareDatetime | None, Query(description="until (exclusive), ISO 8601")]
Limit = Annotated[int, Query(ge=1, le=100_000)]


def _entries(
    *,
    conn: DbConn,
    action: str | None,
    username: str | None,
    start: datetime | None,
    end: datetime | None,
    limit: int,
) -> list[audit_store.AuditRow]:
    if start is not None and end is not None and start >= end:
        raise HTTPException(422, "het begin moet voor het einde liggen")
    return audit_store.entries(
        conn=conn,
        action=action or None,
        username=username or None,
        start=start,
        end=end,
        limit=limit,
    )


@router.get("/audit")
def audit_log(  # noqa: PLR0917 - FastAPI passes query parameters and dependencies positionally
    conn: DbConn,
    _user: Admin,
    action: Action = None,
    username: Username = None,
    start: Since = None,
    end: Until = None,
    limit: Limit = 500,
) -> list[audit_store.AuditRow]:
    """The audit log, newest first, filtered by kind of action, person and time."""
    return _entries(conn=conn, action=action, username=username, start=start, end=end, limit=limit)


@router.get("/audit/actions")
def audit_actions(conn: DbConn, _user: Admin) -> list[str]:
    """The kinds of action the audit log holds (for the filter)."""
    return audit_store.actions(conn=conn)


def _safe(value: object) -> object:
    """A cell a spreadsheet shows as text: names from failed logins are anyone's input, and a
    leading =, +, - or @ would make it a formula."""
    if isinstance(value, str) and value[:1] in {"=", "+", "-", "@", "\t", "\r"}:
        return "'" + value
    return value


@router.get("/audit.csv", response_class=Response, responses={200: {"content": {"text/csv": {}}}})
def audit_csv(  # noqa: PLR0917 - FastAPI passes query parameters and dependencies positionally
    conn: DbConn,
    user: Admin,
    request: Request,
    action: Action = None,
    username: Username = None,
    start: Since = None,
    end: Until = None,
    limit: Limit = 100_000,
) -> Response:
    """The same entries as CSV (the export itself is audited)."""
    rows = _entries(conn=conn, action=action, username=username, start=start, end=end, limit=limit)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(
        (
            "id",
            "ts",
            "username",
            "role",
            "action",
            "object_type",
            "object_id",
            "detail",
            "client_ip",
        )
    )
    for r in rows:
        detail = json.dumps(r.detail, ensure_ascii=False, default=str)
        cells = (
            r.id,
            r.ts.isoformat(),
            r.username,
            r.role,
            r.action,
            r.object_type,
            r.object_id,
            detail,
            r.client_ip or "",
        )
        writer.writerow([_safe(c) for c in cells])
    audit.record(
        conn=conn,
        user=user,
        action="audit.export",
        object_type="audit_log",
        object_id="*",
        detail={"action": action, "username": username, "rows": len(rows)},
        request=request,
    )
    return Response(
        out.getvalue(),
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="nettestad-audit.csv"'},
    )
