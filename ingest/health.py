"""Judge a fill sensor's new readings: alarms, sensor faults and events read from the fill curve.

Pure functions over a small per-device state, so every rule is tested without a broker or a
database. The writer feeds only readings that were newly stored, which keeps alarms and events
exactly-once even when the broker delivers a message twice.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from operator import attrgetter
from typing import Protocol
from zoneinfo import ZoneInfo

from contracts import ContainerStatus, Quality
from db.devices import AlertChange, BinEvent, HealthState

BRUSSELS = ZoneInfo("Europe/Brussels")


class Measured(Protocol):
    """What the rules read of a reading: a contract ``FillReading`` or a stored row of one."""

    @property
    def ts(self) -> datetime: ...
    @property
    def seq(self) -> int: ...
    @property
    def distance_mm(self) -> int | None: ...
    @property
    def filling_level(self) -> float | None: ...
    @property
    def temperature_c(self) -> float | None: ...
    @property
    def battery_v(self) -> float | None: ...
    @property
    def quality(self) -> str: ...
    @property
    def status(self) -> str: ...


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


_CRITICAL = frozenset({"fire", "tilt"})


class _Tracker:
    """Open/close alerts against the device's open set, remembering each kind's transitions."""

    def __init__(self, open_alerts: frozenset[str]) -> None:
        self.open = set(open_alerts)
        self.first_raise: dict[str, AlertChange] = {}
        self.last_clear: dict[str, AlertChange] = {}

    def set(
        self, kind: str, holds: bool, ts: datetime, why: str, *args: object, may_clear: bool
    ) -> None:
        """``why % args`` is the alert's detail, formatted only when the alert opens: this runs
        for every reading and the detail is almost never needed."""
        if holds and kind not in self.open:
            self.open.add(kind)
            severity = "critical" if kind in _CRITICAL else "warning"
            detail = why % args if args else why
            self.first_raise.setdefault(kind, AlertChange(kind, True, ts, severity, detail))
        elif not holds and may_clear and kind in self.open:
            self.open.discard(kind)
            self.last_clear[kind] = AlertChange(kind, False, ts)

    def changes(self) -> list[AlertChange]:
        """All raises, then a clear for each kind that ended the batch closed."""
        clears = [c for k, c in self.last_clear.items() if k not in self.open]
        return [*self.first_raise.values(), *clears]


def _alarms(alerts: _Tracker, reading: Measured, rules: HealthRules, *, late: bool) -> None:
    """The alarms a single reading shows: fire, tilt, moved, low battery."""
    ts = reading.ts
    temp = reading.temperature_c
    burning = reading.status == ContainerStatus.BURNING
    hot = temp is not None and temp >= rules.fire_temperature_c
    if burning:
        alerts.set("fire", True, ts, "status burning", may_clear=not late)
    else:
        alerts.set("fire", hot, ts, "temperature %s °C", temp, may_clear=not late)
    status = reading.status
    alerts.set(
        "tilt", status == ContainerStatus.DROPPED, ts, "container reports dropped",
        may_clear=not late,
    )  # fmt: skip
    alerts.set(
        "moved", status == ContainerStatus.MOVED, ts, "container reports moved",
        may_clear=not late,
    )  # fmt: skip
    battery = reading.battery_v
    if battery is not None and battery < rules.battery_low_v:
        alerts.set("battery_low", True, ts, "battery %s V", battery, may_clear=not late)
    elif battery is not None and battery >= rules.battery_ok_v:
        alerts.set("battery_low", False, ts, "", may_clear=not late)


_READING_ALARMS = frozenset({"fire", "tilt", "moved", "battery_low"})
_ORDER = attrgetter("ts", "seq")  # measurement order


def _quiet(alerts: _Tracker, reading: Measured, rules: HealthRules) -> bool:
    """True when ``_alarms`` would change nothing: no alarm open and none showing, the case of
    nearly every reading (checked first because it runs for every reading)."""
    temp = reading.temperature_c
    battery = reading.battery_v
    return (
        reading.status == ContainerStatus.OK
        and (temp is None or temp < rules.fire_temperature_c)
        and (battery is None or battery >= rules.battery_low_v)
        and alerts.open.isdisjoint(_READING_ALARMS)
    )


def assess(state: HealthState, readings: Sequence[Measured], rules: HealthRules) -> Assessment:  # noqa: PLR0912 - one pass keeps every rule's state in locals; helpers would cost a call per reading
    """Apply every rule to a device's newly stored readings, in measurement order.

    A late reading (older than the newest already judged) still raises an alarm, but neither
    clears one nor moves the fill curve, which has gone on without it.
    """
    out = Assessment(state=state)
    alerts = _Tracker(state.open_alerts)
    last_ts = state.last_reading_ts
    last_fill = state.last_fill
    last_distance = state.last_distance_mm
    same = state.same_distance_run
    no_echo = state.no_echo_run
    overflow_since = state.overflow_since
    is_open = alerts.open.__contains__
    for reading in sorted(readings, key=_ORDER):
        ts = reading.ts
        late = last_ts is not None and ts <= last_ts
        if not _quiet(alerts, reading, rules):
            _alarms(alerts, reading, rules, late=late)
        if late:
            continue
        # sensor faults: a run without echo, or a distance that never moves (``set`` is called
        # only when it could change something: this runs for every reading)
        no_echo = no_echo + 1 if reading.quality == Quality.NO_ECHO else 0
        if no_echo >= rules.no_echo_after or (no_echo == 0 and is_open("no_echo")):
            alerts.set(
                "no_echo", no_echo >= rules.no_echo_after, ts, "%d readings without an echo",
                no_echo, may_clear=no_echo == 0,
            )  # fmt: skip
        distance = reading.distance_mm
        if distance is not None:
            same = same + 1 if distance == last_distance else 1
            last_distance = distance
            if same >= rules.stuck_after or is_open("stuck_sensor"):
                alerts.set(
                    "stuck_sensor", same >= rules.stuck_after, ts, "%d x %d mm", same, distance,
                    may_clear=True,
                )  # fmt: skip
        previous_ts, last_ts = last_ts, ts
        # the fill curve: collections, abuse, overflow periods
        level = reading.filling_level
        if reading.quality == Quality.BLIND_ZONE:
            level = 1.0  # closer than the sensor can see: treated as full
        elif reading.quality != Quality.OK:
            level = None
        if level is None:
            continue
        if (
            last_fill is not None
            and last_fill - level >= rules.collection_drop
            and level < rules.collected_below
        ):
            out.events.append(BinEvent("collection", ts, None, last_fill, level))
        if (
            last_fill is not None
            and level - last_fill >= rules.abuse_jump
            and previous_ts is not None
            and ts - previous_ts <= rules.abuse_within
        ):
            night = _is_night(ts, rules)
            out.events.append(BinEvent("abuse", ts, None, last_fill, level, at_night=night))
        if level >= rules.full_level and overflow_since is None:
            overflow_since = ts
            out.events.append(BinEvent("overflow", ts, None, last_fill, level))
        elif level < rules.full_level and overflow_since is not None:
            out.overflow_closed_at = ts
            overflow_since = None
        last_fill = level
    out.alerts = alerts.changes()
    out.state = HealthState(
        device_id=state.device_id,
        bin_id=state.bin_id,
        last_reading_ts=last_ts,
        last_fill=last_fill,
        last_distance_mm=last_distance,
        same_distance_run=same,
        no_echo_run=no_echo,
        overflow_since=overflow_since,
        open_alerts=frozenset(alerts.open),
    )
    return out
