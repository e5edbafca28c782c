"""Every SQL statement on accounts, sessions, login failures and the audit log."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import psycopg
from psycopg.rows import class_row, dict_row
from psycopg.types.json import Jsonb

Conn = psycopg.Connection[tuple[object, ...]]


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


def user_with_hash(*, conn: Conn, username: str) -> dict[str, Any] | None:
    """An account and its password hash, by name."""
    with conn.cursor(row_factory=dict_row) as cur:
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


def list_users(*, conn: Conn) -> list[dict[str, Any]]:
    """Every account, without hashes."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute("""SELECT u.id, u.username, u.display_name, u.role, u.vehicle_id, u.locale, u.active,
                      u.created_at
               FROM users u ORDER BY u.username""")
        return cur.fetchall()


def set_user_active(*, conn: Conn, username: str, active: bool) -> bool:
    """Enable or disable an account; disabling ends its sessions. False when unknown."""
    row = conn.execute(
        "UPDATE users SET active = %s WHERE username = %s RETURNING id", (active, username)
    ).fetchone()
    if row is None:
        return False
    if not active:
        conn.execute("DELETE FROM sessions WHERE user_id = %s", (row[0],))
    return True


def insert_session(*, conn: Conn, token_hash: str, user_id: int, expires_at: datetime) -> None:
    """Open a session."""
    conn.execute(
        "INSERT INTO sessions (token_hash, user_id, expires_at) VALUES (%s, %s, %s)",
        (token_hash, user_id, expires_at),
    )


def session_user(*, conn: Conn, token_hash: str) -> dict[str, Any] | None:
    """The active account behind an unexpired session."""
    with conn.cursor(row_factory=dict_row) as cur:
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


def delete_expired_sessions(*, conn: Conn) -> int:
    """Forget sessions past their expiry; returns how many."""
    return conn.execute("DELETE FROM sessions WHERE expires_at <= now()").rowcount


def record_login_failure(*, conn: Conn, username: str, client_ip: str) -> None:
    """Remember one failed login for throttling."""
    conn.execute(
        "INSERT INTO login_failures (username, client_ip) VALUES (%s, %s)", (username, client_ip)
    )


def recent_login_failures(
    *, conn: Conn, username: str, client_ip: str, since: datetime
) -> tuple[int, int]:
    """Failed logins since ``since``: for this account name, and from this address."""
    row = conn.execute(
        """SELECT count(*) FILTER (WHERE username = %(u)s),
                  count(*) FILTER (WHERE client_ip = %(ip)s)
           FROM login_failures
           WHERE ts > %(since)s AND (username = %(u)s OR client_ip = %(ip)s)""",
        {"u": username, "ip": client_ip, "since": since},
    ).fetchone()
    assert row is not None
    return int(str(row[0])), int(str(row[1]))


def clear_login_failures(*, conn: Conn, username: str) -> None:
    """A successful login forgives the account's earlier failures."""
    conn.execute("DELETE FROM login_failures WHERE username = %s", (username,))


def insert_audit(
    *,
    conn: Conn,
    user_id: int | None,
    username: str,
    role: str,
    action: str,
    object_type: str,
    object_id: str,
    detail: dict[str, Any],
    client_ip: str | None,
) -> int:
    """Append one entry to the audit log; returns its id."""
    row = conn.execute(
        """INSERT INTO audit_log
               (user_id, username, role, action, object_type, object_id, detail, client_ip)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s) RETURNING id""",
        (user_id, username, role, action, object_type, object_id, Jsonb(detail), client_ip),
    ).fetchone()
    assert row is not None
    return int(str(row[0]))


def audit_entries(
    *, conn: Conn, object_type: str | None, object_id: str | None, limit: int
) -> list[dict[str, Any]]:
    """Audit entries, newest first, optionally for one object."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            """SELECT id, ts, user_id, username, role, action, object_type, object_id, detail,
                      client_ip
               FROM audit_log
               WHERE (%(t)s::text IS NULL OR object_type = %(t)s)
                 AND (%(o)s::text IS NULL OR object_id = %(o)s)
               ORDER BY id DESC LIMIT %(limit)s""",
            {"t": object_type, "o": object_id, "limit": limit},
        )
        return cur.fetchall()


@dataclass(frozen=True, slots=True)
class AccountRow:
    """An account as administrators see it (never its hash)."""

    id: int
    username: str
    display_name: str
    role: str
    vehicle_id: str | None
    locale: str
    active: bool
    created_at: datetime
    sessions: int


@dataclass(frozen=True, slots=True)
class AuditRow:
    """One line of the audit log."""

    id: int
    ts: datetime
    user_id: int | None
    username: str
    role: str
    action: str
    object_type: str
    object_id: str
    detail: dict[str, Any]
    client_ip: str | None


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
        conn.execute("DELETE FROM sessions WHERE user_id = %s", (user_id,))
    return True


def set_account_active(*, conn: Conn, user_id: int, active: bool) -> bool:
    """Enable or disable an account by id; disabling ends its sessions. False when unknown."""
    if conn.execute("UPDATE users SET active = %s WHERE id = %s", (active, user_id)).rowcount != 1:
        return False
    if not active:
        conn.execute("DELETE FROM sessions WHERE user_id = %s", (user_id,))
    return True


def reset_password(*, conn: Conn, user_id: int, password_hash: str) -> bool:
    """A new password hash; every session of the account ends. False when unknown."""
    done = conn.execute(
        "UPDATE users SET password_hash = %s WHERE id = %s", (password_hash, user_id)
    ).rowcount
    conn.execute("DELETE FROM sessions WHERE user_id = %s", (user_id,))
    conn.execute(
        "DELETE FROM login_failures WHERE username = (SELECT username FROM users WHERE id = %s)",
        (user_id,),
    )
    return done == 1


def vehicle_exists(*, conn: Conn, vehicle_id: str) -> bool:
    """Whether a vehicle with this id is registered."""
    return (
        conn.execute("SELECT 1 FROM vehicles WHERE id = %s", (vehicle_id,)).fetchone() is not None
    )


def audit_search(
    *,
    conn: Conn,
    action: str | None,
    username: str | None,
    start: datetime | None,
    end: datetime | None,
    limit: int,
) -> list[AuditRow]:
    """Audit entries, newest first; ``action`` ending in '.' matches every action it starts."""
    with conn.cursor(row_factory=class_row(AuditRow)) as cur:
        cur.execute(
            """SELECT id, ts, user_id, username, role, action, object_type, object_id, detail,
                      client_ip
               FROM audit_log
               WHERE (%(a)s::text IS NULL OR action = %(a)s
                      OR (right(%(a)s, 1) = '.' AND starts_with(action, %(a)s)))
                 AND (%(u)s::text IS NULL OR username = %(u)s)
                 AND (%(s)s::timestamptz IS NULL OR ts >= %(s)s)
                 AND (%(e)s::timestamptz IS NULL OR ts < %(e)s)
               ORDER BY id DESC LIMIT %(limit)s""",
            {"a": action, "u": username, "s": start, "e": end, "limit": limit},
        )
        return cur.fetchall()


def audit_actions(*, conn: Conn) -> list[str]:
    """The kinds of entry the audit log holds."""
    return [str(r[0]) for r in conn.execute("SELECT DISTINCT action FROM audit_log ORDER BY 1")]
