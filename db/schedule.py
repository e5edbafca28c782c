"""What the scheduler asks the database: whether a day already has its plan.

The scheduler keeps no state of its own: the ``plans`` table (written by routing) is the one
record of which days are planned, so a restart, a plan made by hand or from the web app, and a
plan made on another machine all count the same.
"""

from __future__ import annotations

from datetime import date

from db.conn import Conn


def day_planned(*, conn: Conn, day: date) -> bool:
    """Whether ``day`` has an active plan (superseded and unchecked plans do not count)."""
    row = conn.execute(
        "SELECT EXISTS (SELECT 1 FROM plans WHERE day = %s AND state = 'active')", (day,)
    ).fetchone()
    return bool(row and row[0])
