"""Fill dynamics, sensor flaws and dumping in the twin."""

from __future__ import annotations

import random
import statistics
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from contracts.payloads import DumpingEvent, Quality
from twin.city import BinSite, build_city
from twin.conditions import conditions
from twin.dumping import DWELL, DumpingProcess
from twin.fill import BRUSSELS, BinState
from twin.sensors import BUFFER_READINGS, SensorFaults, SimulatedSensor

MONDAY = date(2026, 9, 14)


def _site(place_type: str, container: str = "street_bin", volume: int = 60) -> BinSite:
    return BinSite(
        "KRT-9999",
        "fill-9999",
        "test",
        "Centrum",
        place_type,
        container,
        "fixed",
        volume,
        700,
        50.8277,
        3.2650,
    )


def _rate(place_type: str, day: date, hour: int, seed: int = 7) -> float:
    state = BinState.create(_site(place_type), random.Random(1))
    local = datetime(day.year, day.month, day.day, hour, tzinfo=BRUSSELS)
    return state.litres_per_hour(local, conditions(seed, day))


def test_market_day_brings_more_litter_to_market_bins_in_the_morning() -> None:
    """On Monday morning (market) a market bin fills faster than on Tuesday morning."""
    assert _rate("market", MONDAY, 10) > 2 * _rate("market", MONDAY + timedelta(days=1), 10)


def test_schools_fill_on_school_days_and_hardly_in_holidays() -> None:
    """A school bin takes far less litter on a Saturday and in the summer holiday."""
    weekday = _rate("school", MONDAY, 12)
    assert _rate("school", MONDAY + timedelta(days=5), 12) < weekday / 4
    assert _rate("school", date(2026, 7, 15), 12) < weekday / 4


def test_an_event_at_kortrijk_weide_fills_its_bins_in_the_evening() -> None:
    """On an event evening the Weide's bins fill several times faster than on a quiet one."""
    days = [MONDAY + timedelta(days=k) for k in range(60)]
    busy = [d for d in days if conditions(7, d).event_at_weide and d.weekday() >= 5]
    quiet = [d for d in days if not conditions(7, d).event_at_weide and d.weekday() >= 5]
    assert busy
    assert quiet
    assert min(_rate("events", d, 20) for d in busy) > 2 * max(
        _rate("events", d, 20) for d in quiet
    )


def test_rain_keeps_people_out_of_parks() -> None:
    """A wet day's outdoor factor is lower than a dry day's at the same temperature."""
    dry = conditions(7, MONDAY)
    assert replace(dry, rain_mm=15.0).outdoor_factor < replace(dry, rain_mm=0.0).outdoor_factor


def test_household_bags_in_street_bins_arrive_mostly_at_night() -> None:
    """An abuse-prone street bin gets big jumps, more often at night than by day."""
    state = BinState.create(_site("residential"), random.Random(5))
    state.abuse_per_day = 1.0
    jumps = {"night": 0, "day": 0}
    clock = datetime(2026, 9, 14, tzinfo=UTC)
    for _ in range(24 * 60):
        before = state.litres
        clock += timedelta(hours=1)
        state.advance(clock, timedelta(hours=1), conditions(7, clock.date()))
        if state.litres - before > 20:
            hour = (clock - timedelta(minutes=30)).astimezone(BRUSSELS).hour
            jumps["night" if hour >= 20 or hour < 7 else "day"] += 1
        state.litres = 0.0
    assert jumps["night"] > 2 * jumps["day"] > 0


def test_overflow_hours_are_counted_while_a_bin_is_full() -> None:
    """A bin above its volume accumulates overflow hours; an emptied one does not."""
    state = BinState.create(_site("station"), random.Random(2))
    state.litres = 70.0
    at = datetime(2026, 9, 14, 12, tzinfo=UTC)
    state.advance(at, timedelta(hours=2), conditions(7, at.date()))
    assert state.overflow_h == 2.0
    assert state.empty(at) > 1.0
    state.advance(at + timedelta(hours=1), timedelta(hours=1), conditions(7, at.date()))
    assert state.overflow_h == 2.0


def _sensor(faults: SensorFaults, fill: float = 0.5) -> SimulatedSensor:
    state = BinState.create(_site("street"), random.Random(3))
    state.litres = fill * state.site.volume_l
    return SimulatedSensor(state=state, rng=random.Random(4), faults=faults)


def test_a_perfect_sensor_reports_the_true_fill() -> None:
    """Without noise or faults, the reported level is the container's true fill."""
    sensor = _sensor(SensorFaults.none(), fill=0.42)
    sensor.measure(datetime(2026, 9, 14, tzinfo=UTC), timedelta(minutes=15))
    batch = sensor.try_upload(datetime(2026, 9, 14, tzinfo=UTC), timedelta(hours=1))
    assert batch is not None
    assert abs((batch.readings[0].filling_level or 0) - 0.42) < 0.01


def test_readings_wait_through_an_outage_and_the_oldest_are_dropped_and_counted() -> None:
    """Offline for days, the sensor keeps its buffer's worth, drops the rest and reports how many."""
    sensor = _sensor(replace(SensorFaults.none(), outage_per_day=1e9, outage_hours=(48.0, 48.0)))
    step = timedelta(minutes=15)
    clock = datetime(2026, 9, 14, tzinfo=UTC)
    sent = []
    for _ in range(4 * 60):
        clock += step
        sensor.measure(clock, step)
        batch = sensor.try_upload(clock, step)
        if batch is not None:
            sent.append(batch)
    assert sent, "the sensor never came back online"
    first = sent[0]
    assert first.dropped_readings == 4 * 48 - BUFFER_READINGS + 1
    seqs = [r.seq for b in sent for r in b.readings]
    assert seqs == sorted(seqs)
    assert len(seqs) == len(set(seqs))


def test_noise_no_echo_and_a_stuck_transducer_show_in_the_readings() -> None:
    """A noisy sensor varies, sometimes hears no echo, and a stuck one repeats its distance."""
    sensor = _sensor(
        replace(
            SensorFaults(), no_echo=0.2, fault_per_day=0.0, upload_fails=0.0, outage_per_day=0.0
        )
    )
    step = timedelta(minutes=15)
    clock = datetime(2026, 9, 14, tzinfo=UTC)
    for _ in range(40):
        clock += step
        sensor.measure(clock, step)
    readings = sensor.pending
    assert any(r.quality is Quality.NO_ECHO and r.filling_level is None for r in readings)
    distances = [r.distance_mm for r in readings if r.distance_mm is not None]
    assert statistics.pstdev(distances) > 2
    assert readings[-1].battery_v is not None
    assert readings[-1].battery_v < 3.6
    stuck = _sensor(replace(SensorFaults(), fault_per_day=1e9, no_echo=0.0))
    for _ in range(10):
        clock += step
        stuck.measure(clock, step)
    assert len({r.distance_mm for r in stuck.pending}) == 1


def test_cameras_report_dumps_as_contract_events_after_their_dwell_time() -> None:
    """Dumps appear at hotspots; most are seen by a camera, as valid DumpingEvents, after the dwell."""
    city = build_city(seed=7, bins=100)
    process = DumpingProcess(city.hotspots, seed=7)
    clock = datetime(2026, 9, 14, tzinfo=UTC)
    for _ in range(24 * 28):
        clock += timedelta(hours=1)
        process.step(clock, timedelta(hours=1))
    dumps = process.dumps
    assert len(dumps) > 10
    seen = [d for d in dumps if d.camera_detected_at is not None]
    assert 0.75 < len(seen) / len(dumps) < 1.0
    for d in seen:
        assert d.camera_detected_at is not None
        assert d.camera_detected_at - d.appeared_at >= DWELL
        event = DumpingEvent.model_validate_json(d.event(1).model_dump_json())
        assert event.hotspot_id == d.hotspot.hotspot_id
        assert event.device_id == d.hotspot.camera_id
        assert d.known_at(cameras=True) <= d.known_at(cameras=False)
    night = sum(1 for d in dumps if not 7 <= d.appeared_at.astimezone(BRUSSELS).hour < 19)
    assert night > len(dumps) / 2
