"""Fixed round against sensor-driven planning on the Kortrijk twin; prints the table and timing.

    .venv/bin/python bench/twin/compare.py --weeks 4 --seed 7

The same as ``nettestad compare`` plus the wall-clock time of each policy's run; plots go to
``bench/twin/out`` (not committed).
"""

from __future__ import annotations

import argparse
import time
from pathlib import Path

from twin.city import build_city
from twin.compare import CompareParams, run_policy
from twin.policies import FixedRound, SensorDriven
from twin.report import plots, table


def main() -> None:
    """Run both policies and print what they did."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--bins", type=int, default=300)
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    args = parser.parse_args()
    params = CompareParams(weeks=args.weeks, seed=args.seed, bins=args.bins)
    city = build_city(seed=args.seed, bins=args.bins)
    results = []
    for name, make, cameras in (
        ("fixed round", lambda w, _o: FixedRound(list(w.states.values())), False),
        ("sensor-driven", lambda w, o: SensorDriven(list(w.states.values()), o), True),
    ):
        started = time.monotonic()
        results.append(run_policy(city, params, make, cameras=cameras))
        print(f"{name}: simulated and planned in {time.monotonic() - started:.0f} s")
    print(f"\nseed {args.seed}, {args.bins} containers, {args.weeks} weeks\n")
    print(table(results))
    for r in results:
        days = len(r.days)
        print(f"{r.policy}: {sum(d.unplanned for d in r.days)} unplanned stops over {days} days")
    print("plots:", ", ".join(str(p) for p in plots(results, args.out)))


if __name__ == "__main__":
    main()
