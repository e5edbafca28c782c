"""Audit entries for what happens before anyone is logged in: a refused or throttled login.

Entries of a logged-in person go through :func:`api.audit.record`; these have no user yet, so
they carry the name that was tried and the role ``none``.
"""

from __future__ import annotations

from fastapi import Request

from api.auth import client_address
from db import Conn
from db import audit as audit_store


def login_refused(*, conn: Conn, username: str, request: Request, reason: str) -> None:
    """Append a failed or throttled login and commit it, so the error answer cannot undo it."""
    name = username[:64]
    audit_store.insert_entry(
        conn=conn,
        user_id=None,
        username=name,
        role="none",
        action="login_failed" if reason == "wrong_password" else "login_throttled",
        object_type="user",
        object_id=name,
        detail={"reason": reason},
        client_ip=client_address(request),
    )
    conn.commit()
