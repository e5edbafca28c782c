"""Fixed round against sensor-driven planning on the Kortrijk twin; prints the table and timing.

    .venv/bin/python bench/twin/compare.py --weeks 4 --seed 7

The same as ``nettestad compare`` plus the wall-clock time of each policy's run; plots go to
``bench/twin/out`` (not committed). The two policies are independent simulations of the same
seeded city, so ``--jobs 2`` runs them in two processes (the figures do not change).
"""

from __future__ import annotations

import argparse
import os
import time
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from twin.city import build_city
from twin.compare import CompareParams, PolicyResult, run_policy
from twin.policies import FixedRound, Observations, Policy, SensorDriven
from twin.report import plots, table
from twin.world import World

POLICIES = ("fixed round", "sensor-driven")


def _fixed(world: World, _observations: Observations) -> Policy:
    return FixedRound(list(world.states.values()))


def _sensor(world: World, observations: Observations) -> Policy:
    return SensorDriven(list(world.states.values()), observations)


def _run(name: str, params: CompareParams) -> tuple[PolicyResult, float]:
    started = time.monotonic()
    city = build_city(seed=params.seed, bins=params.bins)
    make, cameras = {"fixed round": (_fixed, False), "sensor-driven": (_sensor, True)}[name]
    result = run_policy(city, params, make, cameras=cameras)
    return result, time.monotonic() - started


def main() -> None:
    """Run both policies and print what they did."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--bins", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=1, help="processes (one policy each)")
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    args = parser.parse_args()
    params = CompareParams(weeks=args.weeks, seed=args.seed, bins=args.bins)
    print(f"load average at start: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    with ProcessPoolExecutor(max_workers=max(1, min(args.jobs, 2))) as pool:
        runs = [pool.submit(_run, name, params) for name in POLICIES]
        results = []
        for name, run in zip(POLICIES, runs, strict=True):
            result, seconds = run.result()
            results.append(result)
            print(f"{name}: simulated and planned in {seconds:.0f} s")
    print(f"load average at end: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    print(f"\nseed {args.seed}, {args.bins} containers, {args.weeks} weeks\n")
    print(table(results))
    for r in results:
        days = len(r.days)
        print(f"{r.policy}: {sum(d.unplanned for d in r.days)} unplanned stops over {days} days")
    print("plots:", ", ".join(str(p) for p in plots(results, args.out)))


if __name__ == "__main__":
    main()
