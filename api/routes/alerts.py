"""Alarms and sensor health for coordinators: alerts, device health, derived bin events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import AwareDatetime

from api.auth import Role, User, require_roles
from api.deps import DbConn
from db import health as q
from db.health import Alert, BinEvent, DeviceHealth, SecurityEvent

router = APIRouter(prefix="/api/v1", tags=["alerts"])
Coordinator = Annotated[User, Depends(require_roles(Role.COORDINATOR, Role.ADMIN))]
Admin = Annotated[User, Depends(require_roles(Role.ADMIN))]
# The same defaults ingest uses to raise ``offline`` alerts (ingest/settings.py).
OFFLINE_INTERVAL_S = 3600
OFFLINE_FACTOR = 3.0
AlertKind = Literal[
    "fire", "tilt", "moved", "offline", "stuck_sensor", "no_echo", "battery_low", "tamper",
    "device_fault",
]  # fmt: skip


@router.get("/alerts", summary="Alerts, critical and newest first")
def list_alerts(
    conn: DbConn,
    _user: Coordinator,
    state: Literal["open", "all"] = "open",
    kind: AlertKind | None = None,
    bin_id: str | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 500,
) -> list[Alert]:
    """Open (default) or all alerts, optionally of one kind or one bin."""
    return q.list_alerts(
        conn=conn, open_only=state == "open", kind=kind, bin_id=bin_id, limit=limit
    )


@router.post("/alerts/{alert_id}/acknowledge", summary="Mark an alert as seen")
def acknowledge(conn: DbConn, user: Coordinator, alert_id: int) -> dict[str, bool]:
    """Record who saw the alert first; it stays open until its condition clears."""
    if not q.acknowledge_alert(conn=conn, alert_id=alert_id, username=user.username):
        raise HTTPException(404, f"no alert with id {alert_id}")
    return {"acknowledged": True}


@router.get("/devices/health", summary="Sensor health: last seen, battery, signal, offline")
def devices_health(conn: DbConn, _user: Coordinator) -> list[DeviceHealth]:
    """Every active device with its health and open alert kinds."""
    return q.device_health(
        conn=conn, offline_factor=OFFLINE_FACTOR, default_interval_s=OFFLINE_INTERVAL_S
    )


@router.get("/bin-events", summary="Collections, overflow periods and suspected abuse")
def bin_events(
    *,
    conn: DbConn,
    _user: Coordinator,
    kind: Literal["collection", "overflow", "abuse"] | None = None,
    bin_id: str | None = None,
    start: Annotated[AwareDatetime | None, Query(description="inclusive")] = None,
    end: Annotated[AwareDatetime | None, Query(description="exclusive")] = None,
    limit: Annotated[int, Query(ge=1, le=10_000)] = 1000,
) -> list[BinEvent]:
    """Events read from the fill curves in a time range (default: the last 7 days)."""
    end = end or datetime.now(UTC)
    start = start or end - timedelta(days=7)
    if start >= end:
        raise HTTPException(422, "start must be before end")
    return q.list_bin_events(conn=conn, kind=kind, bin_id=bin_id, start=start, end=end, limit=limit)


@router.get("/security-events", summary="Devices publishing as another device, and the like")
def security_events(
    conn: DbConn, _user: Admin, limit: Annotated[int, Query(ge=1, le=5000)] = 500
) -> list[SecurityEvent]:
    """Security events, newest first."""
    return q.list_security_events(conn=conn, limit=limit)
