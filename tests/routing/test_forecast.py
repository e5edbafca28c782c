"""The fill forecast on simulated history where the truth is known."""

from __future__ import annotations

import random
import statistics
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from routing.fillsim import history, hours_to, make_bin
from routing.forecast import fit, naive_last_week, predict

START = datetime(2026, 1, 5, tzinfo=UTC)


def test_model_beats_last_weeks_rate() -> None:
    """Time-to-threshold error of the weekday-hour model is lower than the naive baseline's."""
    rng = random.Random(2)
    ours, naive = [], []
    for _ in range(40):
        sim = make_bin(random.Random(rng.random()))
        until = START + timedelta(weeks=4, hours=rng.randint(0, 167))
        readings = history(sim, start=START, until=until)
        truth = hours_to(sim, at=until, threshold=0.8)
        level = next(v for _, v in reversed(readings) if v is not None)
        if truth is None or level >= 0.8:
            continue
        pred = predict(fit(readings), level=level, at=until, threshold=0.8).hours()
        rate = naive_last_week(readings, at=until)
        ours.append(abs((pred or 336.0) - truth))
        naive.append(abs(((0.8 - level) / rate if rate else 336.0) - truth))
    assert len(ours) >= 15
    assert statistics.mean(ours) < statistics.mean(naive)


def test_emptying_gaps_and_missing_readings_do_not_break_the_rate() -> None:
    """A steady bin emptied daily, with gaps and no-echo readings, is learned at its true rate."""
    readings: list[tuple[datetime, float | None]] = []
    level = 0.0
    for h in range(24 * 21):
        t = START + timedelta(hours=h)
        level += 0.02
        if h % 24 == 8:
            level = 0.01  # emptied every morning
        if h % 50 in (10, 11, 12, 13):
            continue  # the sensor was offline
        readings.append((t, None if h % 17 == 0 else round(level, 3)))
    model = fit(readings)
    assert abs(statistics.mean(model.rate) - 0.02) < 0.003
    pred = predict(model, level=0.5, at=START + timedelta(days=21), threshold=0.8)
    assert pred.early is not None
    assert pred.late is not None
    assert pred.expected is not None
    assert pred.early <= pred.expected <= pred.late
    assert abs((pred.hours() or 0) - 15) <= 2


def test_litter_is_learnt_in_the_local_hour_it_came_across_the_change_to_winter_time() -> None:
    """A bin that fills only from 10:00 to 11:00 Brussels time is learnt in that hour, in
    summer time and in winter time alike (the clocks went back on 25 October 2026)."""
    brussels = ZoneInfo("Europe/Brussels")
    readings: list[tuple[datetime, float | None]] = []
    level = 0.0
    t = datetime(2026, 10, 11, tzinfo=UTC)
    while t < datetime(2026, 11, 8, tzinfo=UTC):
        local = t.astimezone(brussels)
        if local.hour == 10:
            level += 0.025  # 0.1 an hour, in quarter-hour steps
        if local.hour == 6 and local.minute == 0:
            level = 0.0  # emptied every morning before the litter comes
        readings.append((t + timedelta(minutes=15), round(level, 4)))
        t += timedelta(minutes=15)
    model = fit(readings)
    for weekday in range(7):
        assert abs(model.rate[weekday * 24 + 10] - 0.1) < 0.01
        assert model.rate[weekday * 24 + 9] < 0.01
        assert model.rate[weekday * 24 + 11] < 0.01
