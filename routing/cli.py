"""``nettestad plan --date YYYY-MM-DD [--time-limit S]``: plan a day from the database and store it.

Exit codes: 0 a checked plan is stored; 2 the day's data is refused (one line in Dutch says why,
nothing is stored); 3 the plan broke a rule of the check and was not stored.
"""

from __future__ import annotations

import argparse
import sys
from datetime import date
from typing import Any

EXIT_BAD_INPUT = 2
EXIT_CHECK_FAILED = 3


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``plan`` subcommand."""
    parser = subparsers.add_parser("plan", help="forecast fill and plan a day's collection routes")
    parser.add_argument("--date", required=True, type=date.fromisoformat, help="YYYY-MM-DD")
    parser.add_argument(
        "--time-limit",
        type=float,
        default=None,
        help="solver seconds (default: scaled to the day, 10 s up to 1,000 stops)",
    )
    parser.add_argument("--seed", type=int, default=1)
    parser.set_defaults(handler=_plan)


def _plan(args: argparse.Namespace) -> int:
    from config import ServiceSettings
    from db import connect
    from routing.errors import PlanCheckError, PlanningError
    from routing.service import PlanParams, plan_day

    settings = ServiceSettings()
    try:
        with connect(settings.database_url.get_secret_value(), autocommit=True) as conn:
            result = plan_day(
                conn=conn,
                day=args.date,
                params=PlanParams(time_limit_s=args.time_limit, seed=args.seed),
            )
            _audit(conn, result.plan_id, args.date)
    except PlanningError as exc:
        print(f"niet gepland: {exc.message_nl}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except PlanCheckError as exc:
        print(f"niet bewaard: {exc.message_nl}", file=sys.stderr)
        return EXIT_CHECK_FAILED
    print(
        f"plan {result.plan_id} for {result.day}: {result.planned_stops} stops on "
        f"{result.vehicles_used} vehicle(s), {result.distance_m / 1000:.1f} km, "
        f"{result.unplanned} unplanned ({result.must_visit} must-visit, {result.optional} optional "
        f"candidates), solved in {result.solve_s:.1f} s"
    )
    return 0


def _audit(conn: Any, plan_id: int, day: date) -> None:
    """A plan made from the command line (by hand or by the scheduler) in the audit log."""
    import getpass

    from db.audit import insert_entry  # the audit log's one writer

    try:
        who = f"cli:{getpass.getuser()}"
    except (KeyError, OSError):
        who = "cli"
    insert_entry(
        conn=conn,
        user_id=None,
        username=who,
        role="cli",
        action="plan.create",
        object_type="plan",
        object_id=str(plan_id),
        detail={"day": day.isoformat(), "via": "nettestad plan"},
        client_ip=None,
    )
