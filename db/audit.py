"""The audit log: append-only entries of who did what to which object.

The table belongs to the role ``nettestad_audit``; the services' role may only insert and read it
(migration 0060), so neither a bug nor a compromised service can rewrite or unprotect it.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from db.conn import Conn


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


def insert_entry(
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


def entries(
    *,
    conn: Conn,
    object_type: str | None = None,
    object_id: str | None = None,
    action: str | None = None,
    username: str | None = None,
    start: datetime | None = None,
    end: datetime | None = None,
    limit: int,
) -> list[AuditRow]:
    """Audit entries, newest first, filtered by object, person and time; ``action`` ending in '.'
    matches every action it starts."""
    with conn.cursor(row_factory=class_row(AuditRow)) as cur:
        cur.execute(
            """SELECT id, ts, user_id, username, role, action, object_type, object_id, detail,
                      client_ip
               FROM audit_log
               WHERE (%(t)s::text IS NULL OR object_type = %(t)s)
                 AND (%(o)s::text IS NULL OR object_id = %(o)s)
                 AND (%(a)s::text IS NULL OR action = %(a)s
                      OR (right(%(a)s, 1) = '.' AND starts_with(action, %(a)s)))
                 AND (%(u)s::text IS NULL OR username = %(u)s)
                 AND (%(s)s::timestamptz IS NULL OR ts >= %(s)s)
                 AND (%(e)s::timestamptz IS NULL OR ts < %(e)s)
               ORDER BY id DESC LIMIT %(limit)s""",
            {
                "t": object_type,
                "o": object_id,
                "a": action,
                "u": username,
                "s": start,
                "e": end,
                "limit": limit,
            },
        )
        return cur.fetchall()


def actions(*, conn: Conn) -> list[str]:
    """The kinds of entry the audit log holds."""
    return [str(r[0]) for r in conn.execute("SELECT DISTINCT action FROM audit_log ORDER BY 1")]
