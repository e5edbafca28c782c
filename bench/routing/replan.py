"""Re-planning the rest of a city day: kilometres and must-visit stops, remaining plan vs re-plan.

The benchmark's city day (``bench.routing.run.city_problem``: 600 bins over Kortrijk, 6 vehicles
of two sizes, 2 disposal sites, windows, a 30-minute break) is planned in the morning by the
product's pipeline, bounded by iterations so that every run starts from the same morning plan. At each ``--at`` hour the crews have made every call the plan started before
then, exactly as planned, and one dump is reported at a bin's place; the rest of the day is
re-planned by the product's step (``routing.dumps.insert_cleanup``, with the product's re-plan
bounds). Printed per day and hour: the kilometres and stops served of the remaining plan (no
cleanup), of the re-plan, and of the pipeline planning the same rest from nothing (what a re-plan
was before it started from the remaining plan), and the must-visit stops the remaining plan
served that each leaves out.

    .venv/bin/python -m bench.routing.replan --seeds 11 12 13 --at 9 11 13
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import replace
from itertools import pairwise

from bench.routing.run import city_problem
from routing import dumps, pipeline
from routing.model import Problem, Solution, VisitKind


def _served(solution: Solution) -> set[str]:
    return {x.ref for r in solution.routes for x in r.visits if x.kind is VisitKind.STOP}


def _remaining(solution: Solution, now_s: int) -> dict[str, list[str]]:
    return {
        r.vehicle_id: [x.ref for x in r.visits if x.start >= now_s]
        for r in solution.routes
        if r.visits
    }


def _km(problem: Problem, remaining: dict[str, list[str]]) -> float:
    """The remaining plan's kilometres, from where each vehicle is to its depot."""
    where = {s.id: s.location for s in problem.stops} | {
        f.id: f.location for f in problem.facilities
    }
    total = 0
    for v in problem.vehicles:
        path = [v.start_location, *(where[r] for r in remaining.get(v.id, ()) if r in where)]
        if len(path) == 1:
            continue
        path.append(v.end_location)
        total += sum(int(problem.distance[a][b]) for a, b in pairwise(path))
    return total / 1000


def main() -> None:
    """Plan each seed's day, re-plan its rest at each hour, print the table."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", type=int, nargs="+", default=[11, 12, 13])
    parser.add_argument("--at", type=float, nargs="+", default=[9.0, 11.0, 13.0])
    parser.add_argument("--morning-iterations", type=int, default=2000)
    args = parser.parse_args()
    config = pipeline.PlanConfig(
        time_limit_s=dumps.REPLAN_TIME_S,
        solution_limit=dumps.REPLAN_SOLUTIONS,
        iterations=dumps.REPLAN_ITERATIONS,
    )
    print(
        "| day | hour | km: remaining plan / re-plan / from nothing "
        "| stops served: remaining / re-plan / from nothing "
        "| must-visits of the remaining plan dropped: re-plan / from nothing "
        "| cleanup placed: re-plan / from nothing | re-plan s |"
    )
    print("|---|---|---|---|---|---|---|")
    for seed in args.seeds:
        problem = city_problem(seed)
        morning = pipeline.plan(
            problem,
            pipeline.PlanConfig(
                time_limit_s=120.0, iterations=args.morning_iterations, solution_limit=40
            ),
        )
        must = {s.id for s in problem.stops if s.penalty is None}
        rng = random.Random(seed)
        for hour in args.at:
            now_s = int(hour * 3600)
            spot = rng.choice(problem.stops).location
            cleanup = dumps.Cleanup("dump-1", spot, (500, 125))
            started = time.monotonic()
            result = dumps.insert_cleanup(
                problem, morning, now_s=now_s, cleanups=[cleanup], config=config
            )
            took = time.monotonic() - started
            rest = result.problem
            remaining = {
                k: v
                for k, v in _remaining(morning, now_s).items()
                if k in {x.id for x in rest.vehicles}
            }
            held = {r for rs in remaining.values() for r in rs} & must
            stops = {s.id for s in rest.stops}
            scratch = pipeline.plan(rest, replace(config, refuse_unreachable=False))
            print(
                f"| city {seed} | {hour:05.2f} "
                f"| {_km(rest, remaining):.1f} / {result.solution.distance / 1000:.1f} / "
                f"{scratch.distance / 1000:.1f} "
                f"| {sum(len([r for r in v if r in stops]) for v in remaining.values())} / "
                f"{len(_served(result.solution))} / {len(_served(scratch))} "
                f"| {len(held - _served(result.solution))} / {len(held - _served(scratch))} "
                f"| {_yes('dump-1' in _served(result.solution))} / "
                f"{_yes('dump-1' in _served(scratch))} | {took:.1f} |",
                flush=True,
            )


def _yes(flag: bool) -> str:
    return "yes" if flag else "no"


if __name__ == "__main__":
    main()
