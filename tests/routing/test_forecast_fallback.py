"""A silent, stuck or absent sensor: the bin is estimated from its history and flagged, never skipped."""

from __future__ import annotations

import random
from datetime import UTC, datetime, timedelta

import pytest

from routing.forecast import Reading, despike, estimate, fit

START = datetime(2026, 9, 7, tzinfo=UTC)


def _history(days: int, *, per_hour: float = 0.01, seed: int = 3) -> list[Reading]:
    """Hourly noisy readings of a bin emptied every third day."""
    rng = random.Random(seed)
    out: list[Reading] = []
    level = 0.0
    for h in range(days * 24):
        if h % 72 == 0:
            level = 0.0
        level += per_hour
        out.append((START + timedelta(hours=h), round(min(level + rng.gauss(0, 0.008), 1.0), 3)))
    return out


def test_a_working_sensor_is_used_as_it_is() -> None:
    """Fresh, varying readings: the last reading is the level and nothing is flagged."""
    readings = _history(14)
    est = estimate(readings, at=readings[-1][0] + timedelta(hours=1))
    assert est.fallback is None
    assert est.note_nl is None
    assert est.level == readings[-1][1]


def test_a_silent_sensor_is_stepped_forward_from_its_last_reading() -> None:
    """Two days without readings: the level grows by the learned rate and the bin is flagged."""
    readings = _history(10)
    last_ts, last = readings[-1]
    assert last is not None
    est = estimate(readings, at=last_ts + timedelta(hours=48))
    assert est.fallback == "silent"
    assert est.note_nl is not None
    assert "zwijgt" in est.note_nl
    assert est.level == pytest.approx(min(last + 0.48, 1.3), abs=0.12)


def test_a_stuck_sensor_is_found_and_its_repeated_level_ignored() -> None:
    """A day of the very same level is a stuck transducer: the estimate rises past it."""
    readings = _history(9)
    stuck_at = readings[-1][0]
    frozen = [(stuck_at + timedelta(hours=h), 0.2) for h in range(1, 25)]
    est = estimate([*readings, *frozen], at=frozen[-1][0])
    assert est.fallback == "stuck"
    assert est.level > 0.35, "litter kept arriving while the sensor repeated itself"


def test_a_sensor_that_still_reads_full_after_an_emptying_is_stuck() -> None:
    """Full before and after a crew emptied the bin: the sensor is stuck, the bin counts as empty."""
    readings = _history(6)
    t = readings[-1][0]
    full = [(t + timedelta(hours=h), 0.98) for h in range(1, 6)]
    emptied = t + timedelta(hours=3, minutes=30)
    est = estimate([*readings, *full], at=full[-1][0], emptied_at=emptied)
    assert est.fallback == "stuck"
    assert est.level < 0.2


def test_no_readings_at_all_estimates_from_the_emptying_or_calls_the_bin_full() -> None:
    """Without any reading the bin is full unless a crew emptied it; then a default rate fills it."""
    at = START + timedelta(days=3)
    unknown = estimate([], at=at)
    assert unknown.fallback == "none"
    assert unknown.level == 1.0
    known = estimate([], at=at, emptied_at=at - timedelta(hours=36))
    assert known.fallback == "none"
    assert known.level == pytest.approx(0.5, abs=0.01)


def test_a_false_echo_is_left_out_and_does_not_look_like_an_emptying() -> None:
    """A lone reading far above its two neighbours is dropped; the fill rate stays the same."""
    readings = _history(14)
    spiked = list(readings)
    for k in range(30, len(spiked) - 1, 50):
        t, v = spiked[k]
        assert v is not None
        spiked[k] = (t, min(v + 0.6, 1.0))
    clean = [(t, v) for t, v in readings if v is not None]
    assert len(despike(clean, 0.2)) == len(clean)
    noisy = [(t, v) for t, v in spiked if v is not None]
    assert len(despike(noisy, 0.2)) < len(noisy)
    assert sum(fit(spiked).rate) == pytest.approx(sum(fit(readings).rate), rel=0.1)
