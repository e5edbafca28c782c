"""Accounts, sessions and role checks.

Routes protect themselves with ``Depends(require_roles(Role.X, ...))``; the dependency yields the
logged-in :class:`User` (401 when nobody is logged in, 403 when the role is not allowed). The
roles a route lists are exactly the roles it admits: ``admin`` is not implied, because an
administrator manages accounts and does not, for example, see camera evidence by default.

A session is a random token, sent as an HttpOnly cookie (the web app) or as
``Authorization: Bearer <token>`` (scripts, the city twin's crews). The database keeps only an
HMAC of the token keyed with the API's secret key. Passwords are hashed with Argon2id.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import math
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from enum import StrEnum
from typing import Annotated

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import Depends, HTTPException, Request

from api.deps import DbConn
from db import Conn
from db import accounts as q

SESSION_COOKIE = "nettestad_session"
_hasher = PasswordHasher()  # argon2id with the library's RFC 9106 defaults
_dummy: dict[int, str] = {}


def _dummy_hash() -> str:
    """Verified against when the account does not exist, so a wrong name costs as long as a
    wrong password and response times do not reveal which names exist (made with the current
    hasher's parameters, once)."""
    key = id(_hasher)
    if key not in _dummy:
        _dummy[key] = _hasher.hash(secrets.token_urlsafe(16))
    return _dummy[key]


class Role(StrEnum):
    """What a person does with nettestad."""

    CREW = "crew"
    COORDINATOR = "coordinator"
    ENFORCEMENT = "enforcement"
    ADMIN = "admin"


@dataclass(frozen=True, slots=True)
class User:
    """The logged-in person."""

    id: int
    username: str
    display_name: str
    role: Role
    vehicle_id: str | None = None
    locale: str = "nl-BE"


@dataclass(frozen=True, slots=True)
class Throttle:
    """Progressive delays after failed logins, never a lock-out.

    Per account name *and* address: after ``free_failures`` the next attempt must wait 1 s, then
    2, 4, ... up to ``max_delay``. Someone guessing from elsewhere delays only their own address,
    so the real user (at another address) still logs in. Per address, whatever the names: a much
    later and much shorter delay (``address_max_delay``), so password spraying slows down while an
    office behind one address is never locked out. An administrator can clear an account's
    failures at once (``POST /api/v1/auth/unlock``).
    """

    window: timedelta = timedelta(minutes=15)
    free_failures: int = 3
    max_delay: timedelta = timedelta(minutes=15)
    address_free_failures: int = 30
    address_max_delay: timedelta = timedelta(seconds=30)


def backoff(failures: int, free: int, cap: timedelta) -> float:
    """Seconds to wait after the last of ``failures`` failed logins."""
    if failures < free:
        return 0.0
    return min(2.0 ** min(failures - free, 30), cap.total_seconds())


class LoginThrottledError(Exception):
    """Too many failed logins: try again after ``retry_after`` seconds."""

    def __init__(self, retry_after: int) -> None:
        super().__init__(
            f"te veel mislukte aanmeldingen: probeer opnieuw over {retry_after} s "
            f"(too many failed logins; retry after {retry_after} s)"
        )
        self.retry_after = retry_after


def hash_password(password: str) -> str:
    """An Argon2id hash of a password."""
    return _hasher.hash(password)


def _user(row: q.UserRow) -> User:
    return User(
        id=row.id,
        username=row.username,
        display_name=row.display_name,
        role=Role(row.role),
        vehicle_id=row.vehicle_id,
        locale=row.locale,
    )


def token_digest(secret_key: str, token: str) -> str:
    """What the sessions table stores for a token."""
    return hmac.new(secret_key.encode(), token.encode(), hashlib.sha256).hexdigest()


def create_user(
    *,
    conn: Conn,
    username: str,
    password: str,
    role: Role,
    display_name: str | None = None,
    vehicle_id: str | None = None,
    locale: str = "nl-BE",
) -> User:
    """Add an account with a hashed password."""
    if len(password) < 10:
        raise ValueError("a password needs at least 10 characters")
    user_id = q.insert_user(
        conn=conn,
        username=username,
        display_name=display_name or username,
        role=role.value,
        password_hash=hash_password(password),
        vehicle_id=vehicle_id,
        locale=locale,
    )
    return User(user_id, username, display_name or username, role, vehicle_id, locale)


def ensure_account(
    *,
    conn: Conn,
    username: str,
    password: str,
    role: Role,
    display_name: str | None = None,
    vehicle_id: str | None = None,
    reset: bool = True,
) -> bool:
    """Create an account when its name is free (``reset``: else give it this password);
    True when it was created. The demo and the city twin make their logins with this."""
    existing = q.credentials(conn=conn, username=username)
    if existing is None:
        create_user(
            conn=conn,
            username=username,
            password=password,
            role=role,
            display_name=display_name,
            vehicle_id=vehicle_id,
        )
        return True
    if reset:
        q.set_password_hash(conn=conn, user_id=existing.id, password_hash=hash_password(password))
    return False


def authenticate(
    *, conn: Conn, username: str, password: str, client_ip: str, throttle: Throttle = Throttle()
) -> User | None:
    """The account when name and password match; raises :class:`LoginThrottledError` when locked.

    A failure is committed at once, so the count survives the error response that follows.
    """
    now = datetime.now(UTC)
    seen = q.recent_failures(
        conn=conn, username=username, client_ip=client_ip, since=now - throttle.window
    )
    wait = 0.0
    if seen.pair_last is not None:
        delay = backoff(seen.pair, throttle.free_failures, throttle.max_delay)
        wait = delay - (now - seen.pair_last).total_seconds()
    if seen.address_last is not None:
        delay = backoff(seen.address, throttle.address_free_failures, throttle.address_max_delay)
        wait = max(wait, delay - (now - seen.address_last).total_seconds())
    if wait > 0:
        raise LoginThrottledError(max(1, math.ceil(wait)))
    row = q.credentials(conn=conn, username=username)
    stored = row.password_hash if row and row.active else _dummy_hash()
    try:
        ok = _hasher.verify(stored, password) and row is not None and row.active
    except (VerificationError, InvalidHashError):
        ok = False
    if not ok or row is None:
        q.record_login_failure(conn=conn, username=username, client_ip=client_ip)
        conn.commit()
        return None
    if _hasher.check_needs_rehash(stored):
        q.set_password_hash(conn=conn, user_id=row.id, password_hash=hash_password(password))
    q.clear_login_failures(conn=conn, username=username)
    return _user(row)


def open_session(
    *, conn: Conn, user: User, secret_key: str, ttl: timedelta
) -> tuple[str, datetime]:
    """A new session token for a user and when it expires."""
    token = secrets.token_urlsafe(32)
    expires_at = datetime.now(UTC) + ttl
    q.insert_session(
        conn=conn,
        token_hash=token_digest(secret_key, token),
        user_id=user.id,
        expires_at=expires_at,
    )
    return token, expires_at


def close_session(*, conn: Conn, secret_key: str, token: str) -> None:
    """End a session."""
    q.delete_session(conn=conn, token_hash=token_digest(secret_key, token))


def request_token(request: Request) -> str | None:
    """The session token a request carries: bearer header first, then the cookie."""
    header = request.headers.get("authorization", "")
    scheme, _, value = header.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return request.cookies.get(SESSION_COOKIE) or None


Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def _within(address: str, networks: tuple[Network, ...]) -> bool:
    try:
        ip = ipaddress.ip_address(address)
    except ValueError:
        return False
    return any(ip in network for network in networks)


def client_address(request: Request) -> str:
    """The client's address: the peer, or, when the peer is a configured proxy
    (``NETTESTAD_TRUSTED_PROXIES``), the nearest ``X-Forwarded-For`` hop that is not one.

    Hops further left were written by the client itself and are never believed, so a rotating
    ``X-Forwarded-For`` cannot dodge per-address throttling.
    """
    peer = request.client.host if request.client else "unknown"
    proxies: tuple[Network, ...] = request.app.state.settings.proxy_networks
    if not proxies or not _within(peer, proxies):
        return peer
    hops = [
        hop.strip()
        for header in request.headers.getlist("x-forwarded-for")
        for hop in header.split(",")
        if hop.strip()
    ]
    for hop in reversed(hops):
        if not _within(hop, proxies):
            try:
                return str(ipaddress.ip_address(hop))
            except ValueError:
                return peer  # not an address: the proxy did not write it
    return peer


def optional_user(request: Request, conn: DbConn) -> User | None:
    """The logged-in user, or None."""
    token = request_token(request)
    if token is None:
        return None
    secret = request.app.state.settings.secret_key.get_secret_value()
    row = q.session_user(conn=conn, token_hash=token_digest(secret, token))
    return _user(row) if row else None


# The checks below are coroutines on purpose: they do no I/O, and a coroutine dependency runs on
# the event loop instead of taking a trip through the thread pool on every request.
async def current_user(user: Annotated[User | None, Depends(optional_user)]) -> User:
    """The logged-in user, any role (401 otherwise)."""
    if user is None:
        raise HTTPException(401, "not logged in", headers={"WWW-Authenticate": "Bearer"})
    return user


def require_roles(*roles: Role) -> Callable[..., Awaitable[User]]:
    """A dependency admitting exactly these roles; it yields the current user."""
    if not roles:
        raise ValueError("require_roles needs at least one role")
    allowed = frozenset(roles)

    async def dependency(user: Annotated[User, Depends(current_user)]) -> User:
        if user.role not in allowed:
            raise HTTPException(403, f"role {user.role.value!r} may not use this")
        return user

    dependency.allowed_roles = allowed  # type: ignore[attr-defined]  # read by the role-matrix test
    dependency.__name__ = "require_" + "_or_".join(sorted(r.value for r in allowed))
    return dependency


CurrentUser = Annotated[User, Depends(current_user)]
