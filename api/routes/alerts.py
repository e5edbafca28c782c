"""Alarms and sensor health for coordinators: alerts, device health, derived bin events."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Annotated, Literal

from fastapi import APIRouter, Depends, HTTPException, Query
from pydantic import AwareDatetime, BaseModel, ConfigDict

from api.auth import Role, User, require_roles
from api.deps import DbConn
from db import health as q

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


class Alert(BaseModel):
    """A condition a coordinator must see; open until ``cleared_at``."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    device_id: str
    bin_id: str | None
    bin_name: str | None
    district: str | None
    kind: str
    severity: str
    observed_at: datetime
    raised_at: datetime
    detail: str
    cleared_at: datetime | None
    acknowledged_at: datetime | None
    acknowledged_by: str | None


class DeviceHealth(BaseModel):
    """A device's latest health, for what it is (``kind``, ``radio``, LoRaWAN ``codec``)."""

    model_config = ConfigDict(from_attributes=True)

    device_id: str
    kind: str
    radio: str | None = None  # wifi, cellular or lorawan for a fill sensor; None for a camera
    codec: str | None = None  # LoRaWAN sensors: the vendor codec (ingest/lorawan/codecs.py)
    dev_eui: str | None = None
    battery_pct: int | None = None  # LoRaWAN sensors that report a percentage, not volts
    fcnt_resets: int | None = None
    report_interval_s: int | None = None
    bin_id: str | None
    hotspot_id: str | None
    state: str | None
    firmware: str | None
    last_seen_at: datetime | None
    battery_v: float | None
    battery_v_per_day: float | None
    rssi_dbm: int | None
    dropped_readings: int
    offline: bool
    open_alerts: list[str]


class BinEvent(BaseModel):
    """A collection, overflow period or suspected abuse read from a bin's fill curve."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    bin_id: str
    bin_name: str | None
    district: str | None
    device_id: str
    kind: str
    started_at: datetime
    ended_at: datetime | None
    duration_s: float | None
    fill_before: float | None
    fill_after: float | None
    at_night: bool
    confirmed_at: datetime | None


class SecurityEvent(BaseModel):
    """A message that suggests an attack or a mis-provisioned device."""

    model_config = ConfigDict(from_attributes=True)

    id: int
    received_at: datetime
    kind: str
    topic_device_id: str | None
    claimed_device_id: str | None
    topic: str
    detail: str
    payload_bytes: int


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
    rows = q.list_alerts(
        conn=conn, open_only=state == "open", kind=kind, bin_id=bin_id, limit=limit
    )
    return [Alert.model_validate(r) for r in rows]


@router.post("/alerts/{alert_id}/acknowledge", summary="Mark an alert as seen")
def acknowledge(conn: DbConn, user: Coordinator, alert_id: int) -> dict[str, bool]:
    """Record who saw the alert first; it stays open until its condition clears."""
    if not q.acknowledge_alert(conn=conn, alert_id=alert_id, username=user.username):
        raise HTTPException(404, f"no alert with id {alert_id}")
    return {"acknowledged": True}


@router.get("/devices/health", summary="Sensor health: last seen, battery, signal, offline")
def devices_health(conn: DbConn, _user: Coordinator) -> list[DeviceHealth]:
    """Every active device with its health and open alert kinds."""
    rows = q.device_health(
        conn=conn, offline_factor=OFFLINE_FACTOR, default_interval_s=OFFLINE_INTERVAL_S
    )
    return [DeviceHealth.model_validate(r) for r in rows]


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
    rows = q.list_bin_events(conn=conn, kind=kind, bin_id=bin_id, start=start, end=end, limit=limit)
    return [BinEvent.model_validate(r) for r in rows]


@router.get("/security-events", summary="Devices publishing as another device, and the like")
def security_events(
    conn: DbConn, _user: Admin, limit: Annotated[int, Query(ge=1, le=5000)] = 500
) -> list[SecurityEvent]:
    """Security events, newest first."""
    return [SecurityEvent.model_validate(r) for r in q.list_security_events(conn=conn, limit=limit)]
