"""``nettestad db ...``: schema migrations."""

from __future__ import annotations

import argparse

from config import ServiceSettings


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``db`` subcommands."""
    db = subparsers.add_parser("db", help="database schema")
    db_sub = db.add_subparsers(dest="db_command", required=True)
    up = db_sub.add_parser("upgrade", help="apply every pending migration")
    up.add_argument(
        "--timescale",
        choices=["auto", "on", "off"],
        default="auto",
        help="use TimescaleDB when the server has it (auto), insist on it (on), or never (off)",
    )
    up.set_defaults(handler=_upgrade)
    check = db_sub.add_parser(
        "check", help="report TimescaleDB background jobs whose last run failed (exit 1 if any)"
    )
    check.set_defaults(handler=_check)


def _upgrade(args: argparse.Namespace) -> int:
    from db.migrate import TimescaleMode, upgrade

    settings = ServiceSettings()
    applied = upgrade(
        settings.database_url.get_secret_value(), timescale=TimescaleMode(args.timescale)
    )
    print(
        f"schema up to date ({len(applied)} migration(s) applied: {', '.join(applied) or 'none'})"
    )
    from db.conn import connect
    from db.migrate import failed_jobs

    with connect(settings.database_url.get_secret_value()) as conn:
        for job in failed_jobs(conn):  # a version pair whose jobs fail shows at the next upgrade
            print(f"warning: background job {job.job_id} ({job.proc_name}) failed: {job.detail}")
    return 0


def _check(_args: argparse.Namespace) -> int:
    from db.conn import connect
    from db.migrate import failed_jobs

    settings = ServiceSettings()
    with connect(settings.database_url.get_secret_value()) as conn:
        failed = failed_jobs(conn)
    for job in failed:
        print(f"job {job.job_id} ({job.proc_name}) failed: {job.detail or job.last_run_status}")
    if not failed:
        print("no failed background jobs")
    return 1 if failed else 0
