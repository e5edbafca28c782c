"""``nettestad plan --date YYYY-MM-DD [--time-limit S]``: plan a day from the database and store it."""

from __future__ import annotations

import argparse
from datetime import date


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``plan`` subcommand."""
    parser = subparsers.add_parser("plan", help="forecast fill and plan a day's collection routes")
    parser.add_argument("--date", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
    parser.add_argument("--time-limit", type=float, default=10.0, help="solver seconds (10)")
    parser.add_argument("--seed", type=int, default=1)
    parser.set_defaults(handler=_plan)


def _plan(args: argparse.Namespace) -> int:
    from contracts.db import connect
    from contracts.settings import ServiceSettings
    from routing.service import PlanParams, plan_day

    settings = ServiceSettings()
    with connect(settings.database_url.get_secret_value(), autocommit=True) as conn:
        result = plan_day(
            conn=conn,
            day=args.date,
            params=PlanParams(time_limit_s=args.time_limit, seed=args.seed),
        )
    print(
        f"plan {result.plan_id} for {result.day}: {result.planned_stops} stops on "
        f"{result.vehicles_used} vehicle(s), {result.distance_m / 1000:.1f} km, "
        f"{result.unplanned} unplanned ({result.must_visit} must-visit, {result.optional} optional "
        f"candidates), solved in {result.solve_s:.1f} s"
    )
    return 0
