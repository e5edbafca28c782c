"""The policy comparison: the rounds against the sensor-driven product, on the real planner."""

from __future__ import annotations

import json
import math
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from nettestad.cli import main
from twin.city import build_city
from twin.crews import CrewRun, RecordingReporter, execute_plan
from twin.fill import MEAN_POPULARITY
from twin.planning import SHIFT, StopRequest, plan_day
from twin.policies import DAY_SETS, TARGET_FILL, FixedRound, fixed_weekdays
from twin.world import World, WorldParams

MONDAY = date(2026, 9, 14)


def _world(bins: int = 60) -> World:
    return World(
        build_city(seed=5, bins=bins),
        params=WorldParams(seed=5),
        start=datetime(2026, 9, 13, tzinfo=UTC),
    )


def test_the_fixed_round_visits_each_container_often_enough_for_its_average_litter() -> None:
    """A container's fixed weekdays keep the average fill of its kind between visits at or below 80 %, or it is emptied daily."""
    world = _world(200)
    counts = set()
    for state in world.states.values():
        days = fixed_weekdays(state)
        counts.add(len(days))
        assert len(days) in DAY_SETS
        if len(days) < 7:
            gaps = [(b - a) % 7 or 7 for a, b in zip(days, days[1:] + days[:1], strict=True)]
            mean_gap = sum(gaps) / len(gaps)
            daily = state.mean_litres_per_day() * MEAN_POPULARITY
            assert daily * mean_gap <= TARGET_FILL * state.site.volume_l + 1e-6
    assert len(counts) >= 3  # the round mixes frequencies, as a real one does


def test_the_planner_routes_every_scheduled_container_and_the_crews_empty_them() -> None:
    """A fixed-round day is planned in full within the shift, and crews empty each container at its planned time."""
    world = _world()
    requests = FixedRound(list(world.states.values())).requests(MONDAY, world.clock, [])
    plan = plan_day(world.city, MONDAY, requests, seed=5, time_limit_s=30)
    assert plan.unplanned == ()
    planned = [v.ref for r in plan.routes for v in r.visits if v.kind == "stop"]
    assert sorted(planned) == sorted(r.ref for r in requests)
    assert any(v.kind == "unload" for r in plan.routes for v in r.visits)
    for route in plan.routes:
        assert route.start.time() >= SHIFT[0]
        assert route.end.time() <= SHIFT[1]
    assert plan.km > 0
    reporter = RecordingReporter()
    crews = CrewRun(world, plan, reporter=reporter)
    for state in world.states.values():
        state.litres = 0.5 * state.site.volume_l
    execute_plan(crews, up_to=datetime(2026, 9, 15, tzinfo=UTC))
    assert sorted(c.bin_id for c in world.collections) == sorted(planned)
    assert all(math.isclose(c.fill_before, 0.5) for c in world.collections)
    assert {r.fill_seen for r in reporter.reports if r.outcome == "done"} == {"half"}


@pytest.mark.slow
def test_compare_prints_a_table_writes_plots_and_repeats_exactly_for_a_seed(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """``nettestad compare`` prints the figures, writes PNG plots, and the same seed gives the same numbers."""
    args = [
        "compare",
        "--weeks",
        "1",
        "--bins",
        "40",
        "--seed",
        "3",
        "--curve",
        "1,4",
        "--visits",
        "1",
    ]
    assert main([*args, "--out", str(tmp_path / "a")]) == 0
    out = capsys.readouterr().out
    for label in (
        "kilometres",
        "shifts",
        "crew hours",
        "collections",
        "overflow bin-hours",
        "litter left in the street",
        "dumps cleared within 24 h",
        "sensor-driven vs oracle round",
        "sensor-driven vs category round",
    ):
        assert label in out
    for name in ("daily.png", "cleanup.png", "totals.png", "tradeoff.png"):
        assert (tmp_path / "a" / name).read_bytes().startswith(b"\x89PNG")
    first = json.loads((tmp_path / "a" / "totals.json").read_text())
    assert first["oracle round"]["km"] > 0
    assert first["category round"]["km"] > 0
    assert first["sensor-driven"]["collections"] > 0
    assert first["sensor-driven + advice"]["upgrades"] <= 4  # at most 10 % of 40 containers
    assert "sensor-driven, 1 EUR/h" in first
    assert "sensor-driven + advice, 1 EUR/h" in first
    assert "sensor-driven, 1 day a week, 4 EUR/h" in first
    assert "sensor-driven + advice, 1 day a week, 4 EUR/h" in first
    assert main([*args, "--out", str(tmp_path / "b")]) == 0
    assert json.loads((tmp_path / "b" / "totals.json").read_text()) == first


def test_one_seed_drives_the_same_litter_and_readings() -> None:
    """Two worlds from the same seed produce the same readings step for step."""
    a, b = _world(30), _world(30)
    for _ in range(24):
        out_a, out_b = a.step(), b.step()
        assert out_a.batches == out_b.batches
    assert a.clock == b.clock == datetime(2026, 9, 13, tzinfo=UTC) + timedelta(hours=6)


def test_a_day_with_more_work_than_one_crew_sends_a_second_and_a_light_day_only_one() -> None:
    """The number of crews is decided per day: every must-visit container fits, and a day one crew can do gets one crew."""
    world = _world(300)
    requests = FixedRound(list(world.states.values())).requests(MONDAY, world.clock, [])
    street = [r for r in requests if r.kind == "street_bin"]
    light = plan_day(world.city, MONDAY, street[:40], seed=5, time_limit_s=30)
    assert light.shifts == 1
    heavy = plan_day(world.city, MONDAY, street + street_copies(street), seed=5, time_limit_s=30)
    assert heavy.unplanned == ()
    assert heavy.shifts >= 2


def street_copies(requests: list[StopRequest]) -> list[StopRequest]:
    """The same containers again as separate stops nearby (twice the day's work)."""
    return [
        StopRequest(f"{r.ref}-b", r.kind, r.lat + 0.0004, r.lon, r.litres, None) for r in requests
    ]
