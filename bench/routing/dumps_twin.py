"""Dumps cleared within 24 hours on the city twin: the morning plan alone against same-day dispatch.

The twin's city runs ``--weeks`` weeks (after two warm-up days) with cameras at the hotspots.
Bins follow the fixed round (``twin.policies.FixedRound``), so only the dump handling differs
between the two runs, which share the seed:

- **morning only**: the dumps known at 05:30 are in that morning's plan (today's product before
  same-day dispatch);
- **same day**: in addition, every hour of the shift (06:00-13:00) the dumps the city learned of
  since the last hour go onto the street crews' running routes by ``twin.dumping.reinsert``, the
  product's step (``routing.dumps.insert_cleanup``); the ones no crew can take wait for the next
  morning.

Street crews (bins and dumps) are planned as one problem with the street trucks, the crane truck
apart (``twin.planning``), by the product's pipeline with the twin's reproducible bounds.
Printed per run: dumps that appeared in the measured period, the share cleared within 24 hours of
appearing and of the city learning of them, the median and the worst, and the street km.

    .venv/bin/python -m bench.routing.dumps_twin --weeks 2 --seed 7
"""

from __future__ import annotations

import argparse
import os
import statistics
import time
from datetime import UTC, date, datetime, timedelta

from routing.model import Problem, Solution, VisitKind
from routing.pipeline import PlanConfig, plan
from twin.city import City, build_city
from twin.crews import CrewRun, execute_plan
from twin.dumping import BRUSSELS, crew_queue, reinsert
from twin.planning import (
    FLEET,
    PHASE_ITERATIONS,
    SOLUTION_LIMIT,
    DayPlan,
    build_problem,
    plan_day,
)
from twin.policies import FixedRound
from twin.world import World, WorldParams

FIRST_DAY = date(2026, 9, 7)  # a Monday in term time
WARMUP_DAYS = 2
STREET = [t for t in FLEET if "dump" in t.serves]


def _local(day: date, hour: float) -> datetime:
    return datetime.combine(day, datetime.min.time(), BRUSSELS) + timedelta(hours=hour)


def _street_queue(solution: Solution, day: date) -> list[tuple[datetime, str, str]]:
    midnight = _local(day, 0)
    return sorted(
        (midnight + timedelta(seconds=v.start), r.vehicle_id, v.ref)
        for r in solution.routes
        for v in r.visits
        if v.kind is VisitKind.STOP
    )


def run(city: City, *, seed: int, weeks: int, same_day: bool) -> dict[str, float]:
    """One run; the figures over the measured period."""
    config = PlanConfig(
        time_limit_s=60.0, seed=seed, solution_limit=SOLUTION_LIMIT, iterations=PHASE_ITERATIONS
    )
    start_day = FIRST_DAY - timedelta(days=WARMUP_DAYS)
    world = World(
        city,
        params=WorldParams(seed=seed, measure_every=timedelta(hours=1), report_every=3),
        start=_local(start_day - timedelta(days=1), 5.5).astimezone(UTC),
    )
    policy = FixedRound(list(world.states.values()))
    km = 0.0
    reinsertions = 0
    for k in range(WARMUP_DAYS + 7 * weeks):
        day = start_day + timedelta(days=k)
        now = _local(day, 5.5)
        requests = policy.requests(day, now, world.dumping.open_dumps(now, cameras=True))
        street = [r for r in requests if r.kind in STREET[0].serves]
        crane = [r for r in requests if r.kind not in STREET[0].serves]
        problem: Problem = build_problem(city, day, street, STREET)
        solution = plan(problem, config)
        crane_plan = plan_day(city, day, crane, seed=seed, time_limit_s=60.0)
        crews = CrewRun(world, DayPlan(day, crane_plan.routes, crane_plan.unplanned))
        crews.queue = sorted(crews.queue + _street_queue(solution, day))
        if day >= FIRST_DAY:
            km += solution.distance / 1000 + crane_plan.km
        last = now
        until = _local(day + timedelta(days=1), 5.5)
        while world.clock < until:
            execute_plan(crews, up_to=world.clock + world.params.measure_every)
            world.step()
            hour = world.clock.astimezone(BRUSSELS).hour
            if not same_day or not 6 <= hour <= 13:
                continue
            new = world.dumping.newly_known(last, world.clock, cameras=True)
            last = world.clock
            if not new:
                continue
            street, result = reinsert(
                city=city,
                requests=street,
                trucks=STREET,
                problem=problem,
                solution=solution,
                dumps=new,
                now=world.clock,
                config=config,
            )
            reinsertions += 1
            problem, solution = result.problem, result.solution
            crane_refs = {r.ref for r in crane}
            crews.queue = sorted(
                [q for q in crews.queue if q[2] in crane_refs] + crew_queue(result, world.clock)
            )
        execute_plan(crews, up_to=until)
    measured = _local(FIRST_DAY, 5.5)
    appeared, known = [], []
    open_at_end = 0
    for d in world.dumping.dumps:
        if d.appeared_at < measured:
            continue
        if d.cleared_at is None:
            open_at_end += 1
            continue
        appeared.append((d.cleared_at - d.appeared_at).total_seconds() / 3600)
        known.append((d.cleared_at - d.known_at(cameras=True)).total_seconds() / 3600)
    total = len(appeared) + open_at_end
    return {
        "dumps": float(total),
        "within_24h_of_appearing": sum(h <= 24 for h in appeared) / total if total else 0.0,
        "within_24h_of_known": sum(h <= 24 for h in known) / total if total else 0.0,
        "median_h": statistics.median(appeared) if appeared else float("nan"),
        "worst_h": max(appeared) if appeared else float("nan"),
        "open_at_end": float(open_at_end),
        "km": km,
        "reinsertions": float(reinsertions),
    }


def main() -> None:
    """Both runs on the same city; one line each."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=2)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--bins", type=int, default=300)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    city = build_city(seed=args.seed, bins=args.bins)
    for same_day in (False, True):
        started = time.monotonic()
        r = run(city, seed=args.seed, weeks=args.weeks, same_day=same_day)
        print(
            f"{'same day' if same_day else 'morning only':<12}: {r['dumps']:.0f} dumps, "
            f"<= 24 h of appearing {100 * r['within_24h_of_appearing']:.1f} %, "
            f"of being known {100 * r['within_24h_of_known']:.1f} %, median {r['median_h']:.1f} h, "
            f"worst {r['worst_h']:.1f} h, open at end {r['open_at_end']:.0f}, "
            f"km {r['km']:,.0f}, re-plans {r['reinsertions']:.0f} "
            f"({time.monotonic() - started:.0f} s)"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
