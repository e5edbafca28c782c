"""Accounts, their sessions and the failed logins that slow a login down."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from psycopg.rows import class_row

from db.conn import Conn


@dataclass(frozen=True, slots=True)
class UserRow:
    """An account as a logged-in person carries it (never its hash)."""

    id: int
    username: str
    display_name: str
    role: str
    vehicle_id: str | None
    locale: str
    active: bool


@dataclass(frozen=True, slots=True)
class CredentialsRow(UserRow):
    """An account with its password hash, for checking a login."""

    password_hash: str


@dataclass(frozen=True, slots=True)
class AccountRow(UserRow):
    """An account as administrators see it (never its hash)."""

    created_at: datetime
    sessions: int


@dataclass(frozen=True, slots=True)
class RecentFailures:
    """Failed logins since a moment: for this name from this address, and from this address."""

    pair: int
    pair_last: datetime | None
    address: int
    address_last: datetime | None


def insert_user(
    *,
    conn: Conn,
    username: str,
    display_name: str,
    role: str,
    password_hash: str,
    vehicle_id: str | None,
    locale: str,
) -> int:
    """Add an account; returns its id (raises UniqueViolation when the name is taken)."""
    row = conn.execute(
        """INSERT INTO users (username, display_name, role, password_hash, vehicle_id, locale)
           VALUES (%s, %s, %s, %s, %s, %s) RETURNING id""",
        (username, display_name, role, password_hash, vehicle_id, locale),
    ).fetchone()
    assert row is not None
    return int(str(row[0]))


def credentials(*, conn: Conn, username: str) -> CredentialsRow | None:
    """An account and its password hash, by name."""
    with conn.cursor(row_factory=class_row(CredentialsRow)) as cur:
        cur.execute(
            """SELECT u.id, u.username, u.display_name, u.role, u.vehicle_id, u.locale, u.active,
                      u.password_hash
               FROM users u WHERE u.username = %s""",
            (username,),
        )
        return cur.fetchone()


def set_password_hash(*, conn: Conn, user_id: int, password_hash: str) -> None:
    """Replace an account's password hash (after a rehash or a password change)."""
    conn.execute("UPDATE users SET password_hash = %s WHERE id = %s", (password_hash, user_id))


_ACCOUNT = """SELECT u.id, u.username, u.display_name, u.role, u.vehicle_id, u.locale, u.active,
                     u.created_at,
                     (SELECT count(*) FROM sessions s
                       WHERE s.user_id = u.id AND s.expires_at > now())::int AS sessions
              FROM users u"""


def accounts(*, conn: Conn) -> list[AccountRow]:
    """Every account with its number of open sessions, by name."""
    with conn.cursor(row_factory=class_row(AccountRow)) as cur:
        cur.execute(_ACCOUNT + " ORDER BY u.username")
        return cur.fetchall()


def account(*, conn: Conn, user_id: int) -> AccountRow | None:
    """One account."""
    with conn.cursor(row_factory=class_row(AccountRow)) as cur:
        cur.execute(_ACCOUNT + " WHERE u.id = %s", (user_id,))
        return cur.fetchone()


def update_account(
    *,
    conn: Conn,
    user_id: int,
    display_name: str,
    role: str,
    vehicle_id: str | None,
    locale: str,
) -> bool:
    """Change an account's name, role, vehicle and language; a new role ends its sessions."""
    row = conn.execute(
        """WITH old AS (SELECT role FROM users WHERE id = %(id)s)
           UPDATE users u SET display_name = %(n)s, role = %(r)s, vehicle_id = %(v)s, locale = %(l)s
           FROM old WHERE u.id = %(id)s RETURNING old.role""",
        {"id": user_id, "n": display_name, "r": role, "v": vehicle_id, "l": locale},
    ).fetchone()
    if row is None:
        return False
    if row[0] != role:
        end_sessions(conn=conn, user_id=user_id)
    return True


def set_account_active(*, conn: Conn, user_id: int, active: bool) -> bool:
    """Enable or disable an account by id; disabling ends its sessions. False when unknown."""
    if conn.execute("UPDATE users SET active = %s WHERE id = %s", (active, user_id)).rowcount != 1:
        return False
    if not active:
        end_sessions(conn=conn, user_id=user_id)
    return True


def reset_password(*, conn: Conn, user_id: int, password_hash: str) -> bool:
    """A new password hash; every session of the account ends. False when unknown."""
    done = conn.execute(
        "UPDATE users SET password_hash = %s WHERE id = %s RETURNING username",
        (password_hash, user_id),
    ).fetchone()
    end_sessions(conn=conn, user_id=user_id)
    if done is None:
        return False
    clear_login_failures(conn=conn, username=str(done[0]))
    return True


def insert_session(*, conn: Conn, token_hash: str, user_id: int, expires_at: datetime) -> None:
    """Open a session."""
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (%s, %s, %s)",
        (token_hash, user_id, expires_at),
    )


def session_user(*, conn: Conn, token_hash: str) -> UserRow | None:
    """The active account behind an unexpired session."""
    with conn.cursor(row_factory=class_row(UserRow)) as cur:
        cur.execute(
            """SELECT u.id, u.username, u.display_name, u.role, u.vehicle_id, u.locale, u.active
                FROM sessions s JOIN users u ON u.id = s.user_id
                WHERE s.token_hash = %s AND s.expires_at > now() AND u.active""",
            (token_hash,),
        )
        return cur.fetchone()


def delete_session(*, conn: Conn, token_hash: str) -> None:
    """End a session (logout)."""
    conn.execute("DELETE FROM sessions WHERE token_hash = %s", (token_hash,))


def end_sessions(*, conn: Conn, user_id: int) -> None:
    """End every session of an account."""
    conn.execute("DELETE FROM sessions WHERE user_id = %s", (user_id,))


def record_login_failure(*, conn: Conn, username: str, client_ip: str) -> None:
    """Remember one failed login for throttling."""
    conn.execute(
        "INSERT INTO login_failures (username, client_ip) VALUES (%s, %s)", (username, client_ip)
    )


def recent_failures(
    *, conn: Conn, username: str, client_ip: str, since: datetime
) -> RecentFailures:
    """Counts and latest times of the failed logins that decide a login's delay."""
    with conn.cursor(row_factory=class_row(RecentFailures)) as cur:
        row = cur.execute(
            """SELECT count(*) FILTER (WHERE username = %(u)s) AS pair,
                      max(ts) FILTER (WHERE username = %(u)s) AS pair_last,
                      count(*) AS address,
                      max(ts) AS address_last
               FROM login_failures
               WHERE client_ip = %(ip)s AND ts > %(since)s""",
            {"u": username, "ip": client_ip, "since": since},
        ).fetchone()
    assert row is not None
    return row


def clear_login_failures(*, conn: Conn, username: str) -> int:
    """Forget every failed login of an account name (a successful login, an administrator's
    unlock, a new password); returns how many."""
    return conn.execute("DELETE FROM login_failures WHERE username = %s", (username,)).rowcount
