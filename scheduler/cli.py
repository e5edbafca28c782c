"""``nettestad scheduler`` (the service) and ``nettestad scheduler plan-now``."""

from __future__ import annotations

import argparse
import logging
from datetime import date, datetime
from zoneinfo import ZoneInfo

from scheduler.service import Scheduler, SchedulerSettings, command_runner, delete_old_readings

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``scheduler`` command and ``scheduler plan-now``."""
    parser = subparsers.add_parser("scheduler", help="plan routes every morning and on demand")
    sub = parser.add_subparsers(dest="scheduler_command")
    now = sub.add_parser("plan-now", help="plan one day right away (default: today)")
    now.add_argument("--date", type=date.fromisoformat, default=None)
    now.set_defaults(handler=_plan_now)
    parser.set_defaults(handler=_run)


def _run(_: argparse.Namespace) -> int:
    import signal

    from scheduler.server import serve_http

    settings = SchedulerSettings()
    url = settings.database_url.get_secret_value()
    scheduler = Scheduler(
        settings,
        runner=command_runner(
            timeout_s=settings.plan_timeout_s, time_limit_s=settings.plan_time_limit_s
        ),
        retention=lambda: delete_old_readings(
            database_url=url,
            keep_days=settings.reading_retention_days,
            keep_hourly_days=settings.hourly_retention_days,
        ),
    )
    server = serve_http(scheduler, settings.metrics_host, settings.metrics_port)
    signal.signal(signal.SIGTERM, lambda *_: scheduler.stop())
    signal.signal(signal.SIGINT, lambda *_: scheduler.stop())
    log.info(
        "scheduler: plans at %s %s; metrics on %s:%s",
        settings.plan_at,
        settings.timezone,
        settings.metrics_host,
        server.port,
    )
    try:
        scheduler.run()
    finally:
        server.close()
    return 0


def _plan_now(args: argparse.Namespace) -> int:
    # someone is waiting at a terminal: one attempt, its exit code says how it went
    settings = SchedulerSettings().model_copy(update={"plan_retries": 0})
    scheduler = Scheduler(
        settings,
        runner=command_runner(
            timeout_s=settings.plan_timeout_s, time_limit_s=settings.plan_time_limit_s
        ),
    )
    day = args.date or datetime.now(ZoneInfo(settings.timezone)).date()
    return 0 if scheduler.plan(day) else 1
