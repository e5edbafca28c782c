"""``/health``: is the service up and can it reach its database."""

from __future__ import annotations

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import DbConn

router = APIRouter(tags=["health"])


class Health(BaseModel):
    """Liveness and database reachability."""

    status: str
    database: str


@router.get("/health")
def health(conn: DbConn) -> Health:
    """Answer when the API and its database are reachable."""
    conn.execute("SELECT 1")
    return Health(status="ok", database="ok")
