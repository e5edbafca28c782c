"""The evidence audit log: every view, export, unblur request, approval and decision, append-only.

The table belongs to the role ``nettestad_audit``; the services' role may only insert and read it
(migration 0060), so neither a bug nor a compromised service can rewrite or unprotect it.
"""

from __future__ import annotations

from typing import Any

from fastapi import Request

from api.auth import User, client_address
from db import Conn
from db import audit as audit_store


def record(
    *,
    conn: Conn,
    user: User,
    action: str,
    object_type: str,
    object_id: str,
    detail: dict[str, Any] | None = None,
    request: Request | None = None,
) -> int:
    """Append one entry (committed with the request's transaction); returns its id."""
    return audit_store.insert_entry(
        conn=conn,
        user_id=user.id,
        username=user.username,
        role=user.role.value,
        action=action,
        object_type=object_type,
        object_id=object_id,
        detail=detail or {},
        client_ip=client_address(request) if request is not None else None,
    )
