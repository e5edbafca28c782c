"""Camera unit benchmark: write the synthetic hotspot set, then score the unit on it.

    .venv/bin/python bench/edge/run.py [--hard 2 | --count 48] [--seed 2026] [--set DIR]

Prints precision, recall (overall and per condition), notification delay after the owner left,
frames per second on one core (event packaging with face and plate search included) and peak
memory. ``--hard N`` writes the harder set: every condition (day, moving shadows, dusk, night,
rain, heavy compression) times every hard scene kind, N times; ``--count`` the classic set (the
same as ``nettestad edge make-testset`` followed by ``nettestad edge evaluate``).
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from edge.evaluate import default_config, evaluate_set, one_core
from edge.synthetic import make_hard_specs, make_specs, write_set


def main() -> None:
    """Generate (unless a set is given) and evaluate."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=48)
    parser.add_argument("--hard", type=int, default=0, help="repeats of the harder set")
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--dwell", type=float, default=15.0)
    parser.add_argument("--set", type=Path, default=None, help="an existing set to evaluate")
    args = parser.parse_args()
    one_core()
    with tempfile.TemporaryDirectory(prefix="nettestad-edge-bench-") as scratch:
        folder = args.set
        if folder is None:
            folder = Path(scratch)
            specs = (
                make_hard_specs(args.hard, seed=args.seed)
                if args.hard
                else make_specs(args.count, seed=args.seed)
            )
            write_set(folder, specs)
        config = default_config(args.dwell)
        report = evaluate_set(folder, config)
    for line in report.lines(config.dwell_s):
        print(line)


if __name__ == "__main__":
    main()
