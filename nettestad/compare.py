"""``nettestad compare``: the rounds against the sensor-driven product on the simulated city."""

from __future__ import annotations

import argparse
from pathlib import Path

WINDOW_NAMES = ("autumn", "summer", "holiday")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``compare`` subcommand."""
    parser = subparsers.add_parser(
        "compare",
        help="compare the oracle and category rounds with sensor-driven planning (table, plots)",
    )
    parser.add_argument("--weeks", type=int, default=4, help="measured weeks (default 4)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--bins", type=int, default=300, help="containers (default 300)")
    parser.add_argument("--window", choices=WINDOW_NAMES, default="autumn")
    parser.add_argument(
        "--curve",
        default="0,0.05,0.1,0.25",
        help="overflow costs (EUR/h) for the km-vs-overflow curve; '' for none",
    )
    parser.add_argument(
        "--visits",
        default="",
        help="the second knob: service days a week (e.g. '1') for areas not served daily, "
        "each drawn as the product's curve over --curve; '' for none",
    )
    parser.add_argument(
        "--out", type=Path, default=Path("compare-out"), help="folder for the plots and JSON"
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from twin import CompareParams
    from twin.compare import WINDOWS
    from twin.report import run_and_report

    if args.weeks < 1 or args.bins < 20:
        print("need at least one week and 20 containers")
        return 2
    try:
        curve = [float(v) for v in args.curve.split(",") if v.strip()]
        visits = [int(v) for v in args.visits.split(",") if v.strip()]
    except ValueError:
        print(f"--curve / --visits: not a list of numbers: {args.curve!r} / {args.visits!r}")
        return 2
    params = CompareParams(
        weeks=args.weeks, seed=args.seed, bins=args.bins, first_day=WINDOWS[args.window]
    )
    print(
        f"\nKortrijk twin, seed {args.seed}, {args.bins} containers, {args.weeks} weeks, {args.window}\n"
    )
    print(run_and_report(params, args.out, curve=curve, visits=visits))
    return 0
