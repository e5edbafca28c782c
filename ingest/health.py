"""Judge a fill sensor's new readings: alarms, sensor faults and events read from the fill curve.

Pure functions over a small per-device state, so every rule is tested without a broker or a
database. The writer feeds only readings that were newly stored, which keeps alarms and events
exactly-once even when the broker delivers a message twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

from contracts.payloads import ContainerStatus, FillReading, Quality

BRUSSELS = ZoneInfo("Europe/Brussels")


@dataclass(frozen=True, slots=True)
class HealthRules:
    """Thresholds of every rule; defaults suit 60-3000 l containers measured every 15 minutes."""

    fire_temperature_c: float = 70.0
    battery_low_v: float = 3.3
    battery_ok_v: float = 3.4  # hysteresis: a low-battery alert clears only above this
    stuck_after: int = 24  # identical distances in a row (a real echo always jitters a little)
    no_echo_after: int = 6  # readings in a row without an echo
    full_level: float = 0.95  # at or above: overflowing
    collection_drop: float = 0.3  # a fall at least this sharp between two readings...
    collected_below: float = 0.2  # ...ending below this is a collection
    abuse_jump: float = 0.35  # a rise at least this large...
    abuse_within: timedelta = timedelta(hours=2)  # ...between readings this close is suspect
    night_hours: tuple[int, int] = (22, 6)  # local hours [from, to) counted as night


@dataclass(frozen=True, slots=True)
class HealthState:
    """What is remembered of a device between batches (one row of ``device_health``)."""

    device_id: str
    bin_id: str
    last_reading_ts: datetime | None = None
    last_fill: float | None = None
    last_distance_mm: int | None = None
    same_distance_run: int = 0
    no_echo_run: int = 0
    overflow_since: datetime | None = None


@dataclass(frozen=True, slots=True)
class AlertChange:
    """Raise (``raise_=True``) or clear an alert of one kind for a device."""

    kind: str
    raise_: bool
    observed_at: datetime
    severity: str = "warning"
    detail: str = ""


@dataclass(frozen=True, slots=True)
class BinEvent:
    """A collection, an overflow period or a suspected abuse, read from the fill curve."""

    kind: str
    started_at: datetime
    ended_at: datetime | None = None
    fill_before: float | None = None
    fill_after: float | None = None
    at_night: bool = False


@dataclass(slots=True)
class Assessment:
    """The outcome for one device: its new state and what to write."""

    state: HealthState
    alerts: list[AlertChange] = field(default_factory=list)
    events: list[BinEvent] = field(default_factory=list)
    overflow_closed_at: datetime | None = None  # end of the overflow period that was open


def _is_night(ts: datetime, rules: HealthRules) -> bool:
    hour = ts.astimezone(BRUSSELS).hour
    start, end = rules.night_hours
    return hour >= start or hour < end


def _alarms(reading: FillReading, rules: HealthRules) -> list[AlertChange]:
    """Fire, tilt and battery: judged on every reading, late ones included."""
    ts = reading.ts
    temp = reading.temperature_c
    burning = reading.status is ContainerStatus.BURNING
    hot = temp is not None and temp >= rules.fire_temperature_c
    changes = []
    if burning or hot:
        why = "status burning" if burning else f"temperature {temp:.1f} °C"
        changes.append(AlertChange("fire", True, ts, "critical", why))
    else:
        changes.append(AlertChange("fire", False, ts))
    if reading.status is ContainerStatus.DROPPED:
        changes.append(AlertChange("tilt", True, ts, "critical", "container reports dropped"))
    elif reading.status is ContainerStatus.MOVED:
        changes.append(AlertChange("moved", True, ts, "warning", "container reports moved"))
    else:
        changes += [AlertChange("tilt", False, ts), AlertChange("moved", False, ts)]
    if reading.battery_v is not None:
        if reading.battery_v < rules.battery_low_v:
            changes.append(
                AlertChange("battery_low", True, ts, "warning", f"battery {reading.battery_v} V")
            )
        elif reading.battery_v >= rules.battery_ok_v:
            changes.append(AlertChange("battery_low", False, ts))
    return changes


def _sensor_faults(
    state: HealthState, reading: FillReading, rules: HealthRules
) -> tuple[HealthState, list[AlertChange]]:
    ts = reading.ts
    changes = []
    no_echo_run = state.no_echo_run + 1 if reading.quality is Quality.NO_ECHO else 0
    if no_echo_run >= rules.no_echo_after:
        changes.append(
            AlertChange("no_echo", True, ts, "warning", f"{no_echo_run} readings without an echo")
        )
    elif no_echo_run == 0:
        changes.append(AlertChange("no_echo", False, ts))
    same = state.same_distance_run
    distance = reading.distance_mm
    if distance is not None:
        same = same + 1 if distance == state.last_distance_mm else 1
        if same >= rules.stuck_after:
            changes.append(
                AlertChange("stuck_sensor", True, ts, "warning", f"{same} x {distance} mm")
            )
        else:
            changes.append(AlertChange("stuck_sensor", False, ts))
    new_state = replace(
        state,
        no_echo_run=no_echo_run,
        same_distance_run=same,
        last_distance_mm=distance if distance is not None else state.last_distance_mm,
    )
    return new_state, changes


def _fill_events(
    state: HealthState, reading: FillReading, rules: HealthRules, out: Assessment
) -> HealthState:
    level = reading.filling_level
    if reading.quality is Quality.BLIND_ZONE:
        level = 1.0  # closer than the sensor can see: treated as full
    elif reading.quality is not Quality.OK:
        level = None
    if level is None:
        return state
    ts = reading.ts
    before = state.last_fill
    if before is not None and state.last_reading_ts is not None:
        drop = before - level
        if drop >= rules.collection_drop and level < rules.collected_below:
            out.events.append(BinEvent("collection", ts, None, before, level))
        rise = level - before
        if rise >= rules.abuse_jump and ts - state.last_reading_ts <= rules.abuse_within:
            night = _is_night(ts, rules)
            out.events.append(BinEvent("abuse", ts, None, before, level, at_night=night))
    overflow_since = state.overflow_since
    if level >= rules.full_level and overflow_since is None:
        overflow_since = ts
        out.events.append(BinEvent("overflow", ts, None, before, level))
    elif level < rules.full_level and overflow_since is not None:
        out.overflow_closed_at = ts
        overflow_since = None
    return replace(state, last_fill=level, overflow_since=overflow_since)


def _collapse(changes: Sequence[AlertChange]) -> list[AlertChange]:
    """Per kind: the first raise, then a clear when the batch ends cleared (writers apply all
    raises before all clears, so a fire that went out within one batch is still on record)."""
    first_raise: dict[str, AlertChange] = {}
    final: dict[str, AlertChange] = {}
    for change in changes:
        if change.raise_:
            first_raise.setdefault(change.kind, change)
        final[change.kind] = change
    out = list(first_raise.values())
    out += [c for c in final.values() if not c.raise_]
    return out


def assess(state: HealthState, readings: Sequence[FillReading], rules: HealthRules) -> Assessment:
    """Apply every rule to a device's newly stored readings, in measurement order.

    A late reading (older than the newest already judged) still raises an alarm, but neither
    clears one nor moves the fill curve, which has gone on without it.
    """
    out = Assessment(state=state)
    changes: list[AlertChange] = []
    for reading in sorted(readings, key=lambda r: (r.ts, r.seq)):
        current = out.state
        late = current.last_reading_ts is not None and reading.ts <= current.last_reading_ts
        alarms = _alarms(reading, rules)
        if late:
            changes += [c for c in alarms if c.raise_]
            continue
        changes += alarms
        current, faults = _sensor_faults(current, reading, rules)
        changes += faults
        current = _fill_events(current, reading, rules, out)
        out.state = replace(current, last_reading_ts=reading.ts)
    out.alerts = _collapse(changes)
    return out
