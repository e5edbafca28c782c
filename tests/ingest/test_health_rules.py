"""The device-health rules on small, named series of readings (pure, no services)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from contracts.payloads import ContainerStatus, FillReading, Quality
from db.devices import HealthState
from ingest.health import HealthRules, assess

RULES = HealthRules()
T0 = datetime(2026, 11, 26, 12, 0, tzinfo=UTC)  # 13:00 in Brussels


def series(
    *levels: float | None, start: datetime = T0, step_min: int = 15, **fields: object
) -> list[FillReading]:
    """One reading per level, ``step_min`` apart; None is a reading without an echo."""
    out = []
    for i, level in enumerate(levels):
        quality = Quality.NO_ECHO if level is None else Quality.OK
        distance = None if level is None else int(50 + 800 * (1 - level)) + i % 3
        out.append(
            FillReading(
                seq=i,
                ts=start + timedelta(minutes=step_min * i),
                filling_level=level,
                distance_mm=distance,
                quality=quality,
                **fields,  # type: ignore[arg-type]  # test data: fields of FillReading
            )
        )
    return out


def fresh() -> HealthState:
    """A device ingest has not judged before."""
    return HealthState("fill-0001", "KRT-0001")


def kinds(result: object) -> list[tuple[str, bool]]:
    """(kind, raised) of every alert change."""
    return [(a.kind, a.raise_) for a in result.alerts]  # type: ignore[attr-defined]  # an Assessment


def test_burning_status_raises_a_critical_fire_alarm_at_once() -> None:
    """A single reading with status burning opens one critical fire alert."""
    result = assess(fresh(), series(0.4, status=ContainerStatus.BURNING), RULES)
    fire = [a for a in result.alerts if a.kind == "fire"]
    assert len(fire) == 1
    assert fire[0].raise_
    assert fire[0].severity == "critical"
    assert "fire" in result.state.open_alerts


def test_temperature_over_the_threshold_is_a_fire_and_clears_when_it_cools() -> None:
    """75 °C raises a fire alert; a later normal reading clears it; no change re-raises."""
    hot = assess(fresh(), series(0.4, temperature_c=75.0), RULES)
    assert ("fire", True) in kinds(hot)
    cool = series(0.4, 0.41, start=T0 + timedelta(hours=1), temperature_c=12.0)
    cooled = assess(hot.state, cool, RULES)
    assert kinds(cooled) == [("fire", False)]
    again = assess(cooled.state, series(0.42, start=T0 + timedelta(hours=2)), RULES)
    assert again.alerts == []


def test_dropped_container_raises_tilt() -> None:
    """Status dropped opens a critical tilt alert."""
    result = assess(fresh(), series(0.2, status=ContainerStatus.DROPPED), RULES)
    assert ("tilt", True) in kinds(result)


def test_a_run_of_no_echo_is_a_sensor_fault_and_one_echo_clears_it() -> None:
    """Six readings without an echo raise no_echo; the next good reading clears it."""
    result = assess(fresh(), series(*[None] * 6), RULES)
    assert ("no_echo", True) in kinds(result)
    assert ("no_echo", True) not in kinds(assess(fresh(), series(*[None] * 5), RULES))
    cleared = assess(result.state, series(0.3, start=T0 + timedelta(hours=3)), RULES)
    assert ("no_echo", False) in kinds(cleared)


def test_an_identical_distance_for_a_day_is_a_stuck_sensor() -> None:
    """24 readings with exactly the same distance raise stuck_sensor; jitter does not."""
    stuck = [
        FillReading(seq=i, ts=T0 + timedelta(minutes=15 * i), distance_mm=432, filling_level=0.5)
        for i in range(24)
    ]
    assert ("stuck_sensor", True) in kinds(assess(fresh(), stuck, RULES))
    assert ("stuck_sensor", True) not in kinds(assess(fresh(), series(*[0.5] * 30), RULES))


def test_a_sharp_drop_is_a_collection() -> None:
    """Fill falling from 0.85 to 0.05 between two readings is one collection event."""
    result = assess(fresh(), series(0.7, 0.85, 0.05, 0.07), RULES)
    collections = [e for e in result.events if e.kind == "collection"]
    assert len(collections) == 1
    assert (collections[0].fill_before, collections[0].fill_after) == (0.85, 0.05)


def test_overflow_is_a_period_with_a_start_and_an_end() -> None:
    """Fill at or above full opens an overflow period; falling below closes it."""
    opened = assess(fresh(), series(0.9, 0.96, 1.0), RULES)
    overflow = [e for e in opened.events if e.kind == "overflow"]
    assert len(overflow) == 1
    assert overflow[0].started_at == T0 + timedelta(minutes=15)
    assert opened.state.overflow_since == overflow[0].started_at
    closed = assess(opened.state, series(0.1, start=T0 + timedelta(hours=2)), RULES)
    assert closed.overflow_closed_at == T0 + timedelta(hours=2)
    assert closed.state.overflow_since is None


def test_a_large_jump_at_night_is_suspected_abuse() -> None:
    """A rise of 0.5 within 15 minutes at 02:00 in Brussels is abuse, flagged as at night."""
    night = datetime(2026, 11, 26, 1, 0, tzinfo=UTC)  # 02:00 Brussels
    result = assess(fresh(), series(0.2, 0.7, start=night), RULES)
    abuse = [e for e in result.events if e.kind == "abuse"]
    assert len(abuse) == 1
    assert abuse[0].at_night
    slow = assess(fresh(), series(0.2, 0.7, start=night, step_min=300), RULES)
    assert not [e for e in slow.events if e.kind == "abuse"], "a jump over 5 hours is not abuse"


def test_late_readings_raise_alarms_but_do_not_move_the_curve() -> None:
    """A buffered reading older than the newest one judged raises fire, but makes no event."""
    state = assess(fresh(), series(0.5, start=T0 + timedelta(days=3)), RULES).state
    late = series(0.9, 0.0, temperature_c=90.0)  # three days old: a drop and a fire
    result = assess(state, late, RULES)
    assert ("fire", True) in kinds(result)
    assert result.events == []
    assert result.state.last_reading_ts == T0 + timedelta(days=3)


def test_low_battery_raises_and_clears_with_hysteresis() -> None:
    """Below 3.3 V raises battery_low; 3.35 V keeps it; 3.45 V clears it."""
    low = assess(fresh(), series(0.3, battery_v=3.2), RULES)
    assert ("battery_low", True) in kinds(low)
    mid = assess(low.state, series(0.3, start=T0 + timedelta(hours=1), battery_v=3.35), RULES)
    assert mid.alerts == []
    ok = assess(mid.state, series(0.3, start=T0 + timedelta(hours=2), battery_v=3.45), RULES)
    assert kinds(ok) == [("battery_low", False)]
