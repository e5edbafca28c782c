"""``nettestad compare``: a fixed round against sensor-driven planning on the simulated city."""

from __future__ import annotations

import argparse
import json
from pathlib import Path


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``compare`` subcommand."""
    parser = subparsers.add_parser(
        "compare", help="compare a fixed round with sensor-driven planning (table and plots)"
    )
    parser.add_argument("--weeks", type=int, default=4, help="measured weeks (default 4)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--bins", type=int, default=300, help="containers (default 300)")
    parser.add_argument(
        "--out", type=Path, default=Path("compare-out"), help="folder for the plots and JSON"
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from twin.compare import CompareParams, compare
    from twin.report import plots, table

    if args.weeks < 1 or args.bins < 20:
        print("need at least one week and 20 containers")
        return 2
    params = CompareParams(weeks=args.weeks, seed=args.seed, bins=args.bins)
    results = compare(params)
    print(f"\nKortrijk twin, seed {args.seed}, {args.bins} containers, {args.weeks} weeks\n")
    print(table(results))
    files = plots(results, args.out)
    (args.out / "totals.json").write_text(
        json.dumps({r.policy: r.totals() for r in results}, indent=2), "utf-8"
    )
    print("\nplots: " + ", ".join(str(f) for f in files))
    return 0
