"""Capacity advice: which bins overflow between two affordable visits, and what would stop it."""

from __future__ import annotations

import random
from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest

from routing.advice import (
    DEFAULT_CV,
    AdviceParams,
    BinRates,
    advise,
    advise_bin,
    curve,
    daily_spread,
    full_hours,
    litres_between_visits,
    rates_from_readings,
)
from routing.forecast import HOURS_PER_WEEK, Reading

MONDAY = datetime(2026, 9, 7, tzinfo=UTC)


def _flat(bin_id: str, volume: int, per_day: float, **kw: float) -> BinRates:
    return BinRates(bin_id, volume, (per_day / 24,) * HOURS_PER_WEEK, **kw)  # type: ignore[arg-type]


def test_a_bin_that_fills_in_a_day_needs_no_advice_and_one_that_fills_twice_does() -> None:
    """50 l a day fits a 60 l bin visited daily; 100 l a day does not, and 120 l would not hold it
    with the margin, so 240 l is advised."""
    assert advise_bin(_flat("calm", 60, 50)) is None
    hot = advise_bin(_flat("hot", 60, 150))
    assert hot is not None
    assert hot.kind == "bigger"
    assert hot.new_volume_l == 240
    assert hot.count == 1
    assert hot.fill_now == pytest.approx(2.5)
    assert hot.fill_after <= AdviceParams().target_fill
    assert hot.advice_nl == "vervang 60 l door 240 l"


def test_more_than_the_largest_bin_holds_means_extra_bins() -> None:
    """A bin receiving 500 l a day gets three of the largest, not a container that does not exist."""
    up = advise_bin(_flat("market", 240, 500))
    assert up is not None
    assert up.kind == "extra"
    assert up.new_volume_l == 240
    assert up.count == 3
    assert up.capacity_l == 720
    assert "extra" in up.advice_nl


def test_the_busiest_day_and_its_spread_count_and_visit_timing_is_at_its_best() -> None:
    """A Saturday peak sets the need, a day-to-day spread adds to it, the shift chooses the hour."""
    rates = [10.0 / 24] * HOURS_PER_WEEK
    for h in range(5 * 24 + 10, 5 * 24 + 18):  # Saturday 10:00-18:00, 15 l an hour
        rates[h] = 15.0
    saturday = BinRates("sat", 60, tuple(rates))
    calm = litres_between_visits(saturday, AdviceParams())
    # best: visit at 13:00 (the shift's last hour), leaving 13:00-18:00 (75 l) and 19 calm hours
    assert calm == pytest.approx(5 * 15 + 19 * 10 / 24, rel=0.01)
    spread = BinRates("sat", 60, tuple(rates), daily_cv=0.5)
    assert litres_between_visits(spread, AdviceParams()) == pytest.approx(calm * 1.5)
    twice_a_day = AdviceParams(visit_interval_h=12)
    assert litres_between_visits(saturday, twice_a_day) < calm


def test_little_history_other_containers_and_bad_parameters() -> None:
    """No advice on three days' history or on crane containers; bad parameters are refused."""
    assert advise_bin(_flat("new", 60, 300, observed_hours=40)) is None
    crane = BinRates("ug", 3000, (300.0,) * HOURS_PER_WEEK, container_type="underground")
    assert advise_bin(crane) is None
    with pytest.raises(ValueError, match="168"):
        BinRates("short", 60, (1.0,) * 24)
    with pytest.raises(ValueError, match="target_fill"):
        AdviceParams(target_fill=1.5)
    with pytest.raises(ValueError, match="shift_hours"):
        AdviceParams(shift_hours=(14, 6))
    ranked = advise([_flat("a", 60, 100), _flat("b", 60, 200), _flat("c", 120, 50)])
    assert [u.bin_id for u in ranked] == ["b", "a"]


def _emptied_at_eight(rise: Callable[[int], float]) -> list[Reading]:
    """Two weeks of hourly readings of a bin emptied at 08:00, rising by ``rise(hour)`` an hour."""
    readings: list[Reading] = []
    level = 0.0
    for h in range(14 * 24):
        at = MONDAY + timedelta(hours=h)
        if at.hour == 8:
            level = 0.0
        level += rise(h)
        readings.append((at, round(min(level, 1.0), 3)))
    return readings


def _sawtooth(litres_per_day: float, volume: int, days: int, rng: random.Random) -> list[Reading]:
    """Hourly readings of a bin emptied every morning at 08:00, capped at full, with noise."""
    out: list[Reading] = []
    level = 0.0
    for h in range(days * 24):
        at = MONDAY + timedelta(hours=h)
        if at.hour == 8:
            level = 0.0
        level += litres_per_day / 24 / volume
        out.append((at, round(min(level, 1.0) + rng.gauss(0, 0.005), 3)))
    return out


def test_advice_from_sensor_readings_finds_the_hot_bin_with_its_evidence() -> None:
    """Two weeks of readings: the 60 l bin that fills twice a day is advised, the calm one not."""
    rng = random.Random(5)
    hot = _sawtooth(130, 60, 14, rng)
    calm = _sawtooth(30, 60, 14, rng)
    bins = [rates_from_readings("hot", 60, hot), rates_from_readings("calm", 60, calm)]
    ups = advise(bins)
    assert [u.bin_id for u in ups] == ["hot"]
    assert ups[0].new_volume_l >= 120
    assert ups[0].overflow_hours_seen > 50, "the sensor saw it full for hours every day"
    until = MONDAY + timedelta(days=14)
    points = curve(hot, until=until, hours=168)
    assert len(points) == 168
    assert max(p for p in points if p is not None) >= 0.97
    assert curve([], until=until, hours=24) == [None] * 24


def test_the_day_to_day_spread_is_measured_and_the_share_advised_can_be_capped() -> None:
    """Whole days that differ give their spread; a capped share keeps only the worst bins."""
    rng = random.Random(9)
    steady = _sawtooth(30, 240, 14, rng)
    assert daily_spread(steady) < 0.1
    varying = _emptied_at_eight(lambda h: (20 if (h // 24) % 2 else 60) / 24 / 240)
    assert daily_spread(varying) > 0.3
    assert daily_spread([]) == DEFAULT_CV
    bins = [_flat(f"b{k}", 60, 100 + 10 * k) for k in range(10)]
    assert len(advise(bins)) == 10
    worst = advise(bins, AdviceParams(max_share=0.2))
    assert [u.bin_id for u in worst] == ["b9", "b8"]


def test_a_bin_gets_advice_when_it_cannot_hold_its_areas_wait_between_service_days() -> None:
    """30 l a day fits a 60 l bin visited daily, not one whose area waits four days between visits."""
    calm = _flat("calm", 60, 30)
    assert advise([calm]) == []
    waiting = advise([calm], waits_h={"calm": 96})
    assert [u.bin_id for u in waiting] == ["calm"]


def test_the_bins_that_overflowed_longest_come_first() -> None:
    """Of two bins that need a bigger one, the one the sensors saw full longer is advised first."""
    seldom = _flat("seldom", 60, 300, overflow_hours_seen=5.0)
    often = _flat("often", 60, 150, overflow_hours_seen=40.0)
    assert [u.bin_id for u in advise([seldom, often])] == ["often", "seldom"]


def test_litter_arriving_while_the_sensor_reads_full_is_counted_at_the_pace_it_filled() -> None:
    """A bin full every afternoon of a busy week and calm the next is sized for the busy pace."""
    # 10 litres an hour in a 60 l bin in the first week, 1 in the second
    readings = _emptied_at_eight(lambda h: (10 if h < 7 * 24 else 1) / 60)
    rates = rates_from_readings("busy", 60, readings)
    # 10 l/h in the busy week, 1 l/h in the calm one: about 132 l a day (seen alone: about 60)
    assert 120 < sum(rates.litres_per_hour[:24]) < 180
    (up,) = advise([rates])
    assert up.capacity_l >= 240


def _cycle(top: float, rise_h: int, held_h: int) -> list[Reading]:
    """One fill cycle read hourly: a steady rise to ``top``, then ``held_h`` hours at it."""
    levels = [round(top * h / rise_h, 3) for h in range(rise_h)] + [top] * held_h
    return [(MONDAY + timedelta(hours=h), level) for h, level in enumerate(levels)]


def test_a_full_bin_read_below_full_by_an_uneven_heap_counts_as_full() -> None:
    """A cycle that rises to 93 % and holds there for ten hours was read full for those hours."""
    assert full_hours(_cycle(0.93, 10, 11)) == 10.0
    assert full_hours(_cycle(1.0, 10, 11)) == 10.0


def test_a_bin_still_filling_or_held_low_is_not_counted_full() -> None:
    """A steady rise to 90 % and a level held at 60 % are not read as a full bin."""
    assert full_hours(_cycle(0.9, 20, 1)) == 0.0
    assert full_hours(_cycle(0.6, 10, 11)) == 0.0
