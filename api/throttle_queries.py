"""Failed-login counts behind login throttling (the failures themselves: ``account_queries``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import psycopg
from psycopg.rows import class_row

Conn = psycopg.Connection[tuple[object, ...]]


@dataclass(frozen=True, slots=True)
class RecentFailures:
    """Failed logins since a moment: for this name from this address, and from this address."""

    pair: int
    pair_last: datetime | None
    address: int
    address_last: datetime | None


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


def unlock(*, conn: Conn, username: str) -> int:
    """Forget every failed login of an account name (an administrator's unlock)."""
    return conn.execute("DELETE FROM login_failures WHERE username = %s", (username,)).rowcount
