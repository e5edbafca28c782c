"""``nettestad scheduler``: plan each day's routes early in the morning, and on demand.

Planning itself belongs to the routing part (``nettestad plan --date YYYY-MM-DD``); the scheduler
only decides when to run it, runs it as a child process (a crash or a memory spike of the solver
cannot take the scheduler down), retries a failed run, and remembers which days are planned so a
restart does not plan a day twice. On the plain-PostgreSQL path it also applies the raw readings'
retention, which TimescaleDB does by itself with a retention policy.

It serves ``/metrics`` (Prometheus), ``/health``, and ``POST /plan?date=YYYY-MM-DD`` (bearer
token) for a plan on demand; ``nettestad scheduler plan-now`` does the same from a shell.
"""

from __future__ import annotations

import argparse
import json
import logging
import queue
import secrets
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from urllib.parse import parse_qs, urlsplit
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr

from config.settings import DEV_SECRET, ServiceSettings

log = logging.getLogger(__name__)


class SchedulerSettings(ServiceSettings):
    """When to plan, how to run the planner, and the retention of raw readings."""

    plan_at: clock = clock(4, 30)  # before the first crews leave at 6:00
    timezone: str = "Europe/Brussels"
    # a day not yet planned is still planned when the scheduler starts before this hour
    catch_up_until: clock = clock(11, 0)
    plan_timeout_s: float = Field(default=1800, gt=0)
    # the planner's budget, set explicitly: more than the scaled default of any day up to
    # ~3,000 stops (routing.pipeline.default_budget), well inside the timeout
    plan_time_limit_s: float = Field(default=120, gt=0)
    plan_retries: int = Field(default=2, ge=0)
    plan_retry_delay_s: float = Field(default=300, ge=0)
    state_file: Path = Path("/var/lib/nettestad/scheduler.json")
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(default=9465, ge=0, le=65535)
    scheduler_token: SecretStr = SecretStr(DEV_SECRET)
    # raw readings kept on plain PostgreSQL; matches the TimescaleDB retention policy
    reading_retention_days: int = Field(default=400, ge=30)
    hourly_retention_days: int = Field(default=3 * 365, ge=30)
    retention_every_s: float = Field(default=6 * 3600, gt=0)

    def secret_settings(self) -> dict[str, str | None]:
        """The token that guards ``POST /plan`` must not keep its default in production."""
        return {
            **super().secret_settings(),
            "NETTESTAD_SCHEDULER_TOKEN": self.scheduler_token.get_secret_value(),
        }


PlanRunner = Callable[[date], int]
# `nettestad plan` exits with this when the day's data is refused (no vehicles, an impossible
# window, ...): trying again before someone corrects the data cannot help.
BAD_INPUT_EXIT = 2


def command_runner(
    command: Sequence[str] = (sys.executable, "-m", "nettestad.cli", "plan"),
    *,
    timeout_s: float = 1800,
    time_limit_s: float | None = None,
) -> PlanRunner:
    """Run ``<command> [--time-limit S] --date YYYY-MM-DD`` in a child process; its exit code."""
    budget = [] if time_limit_s is None else ["--time-limit", f"{time_limit_s:g}"]

    def run(day: date) -> int:
        try:
            # S603: a fixed argument list, no shell; the date comes from a date object
            result = subprocess.run(  # noqa: S603
                [*command, *budget, "--date", day.isoformat()], timeout=timeout_s, check=False
            )
        except subprocess.TimeoutExpired:
            log.error("planning %s took longer than %.0f s and was stopped", day, timeout_s)
            return 124
        return result.returncode

    return run


@dataclass(slots=True)
class SchedulerStats:
    """What ``/metrics`` reports."""

    runs: dict[str, int] = field(default_factory=lambda: {"ok": 0, "failed": 0})
    last_success_at: float = 0.0
    last_duration_s: float = 0.0
    last_planned_day: str = ""
    retention_deleted: int = 0
    retention_runs: int = 0


class PlanState:
    """The days already planned, kept in a small JSON file across restarts."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self._days: set[str] = set()
        if path.exists():
            self._days = set(json.loads(path.read_text("utf-8")).get("planned", []))

    def planned(self, day: date) -> bool:
        """Whether ``day`` was planned successfully."""
        return day.isoformat() in self._days

    def mark(self, day: date) -> None:
        """Remember a successful plan; keeps the last 60 days."""
        self._days.add(day.isoformat())
        self._days = set(sorted(self._days)[-60:])
        self.path.parent.mkdir(parents=True, exist_ok=True)
        tmp = self.path.with_suffix(".tmp")
        tmp.write_text(json.dumps({"planned": sorted(self._days)}), "utf-8")
        tmp.replace(self.path)


def next_plan_time(now: datetime, *, plan_at: clock) -> datetime:
    """The next local time ``plan_at`` strictly after ``now`` (``now`` carries the zone)."""
    candidate = datetime.combine(now.date(), plan_at, tzinfo=now.tzinfo)
    if candidate <= now:
        candidate = datetime.combine(now.date() + timedelta(days=1), plan_at, tzinfo=now.tzinfo)
    return candidate


class Scheduler:
    """Runs plans at the set time and on request; one plan at a time."""

    def __init__(
        self,
        settings: SchedulerSettings,
        *,
        runner: PlanRunner,
        retention: Callable[[], int] | None = None,
        now: Callable[[], datetime] | None = None,
    ) -> None:
        self.settings = settings
        self.zone = ZoneInfo(settings.timezone)
        self.runner = runner
        self.retention = retention
        self._now = now or (lambda: datetime.now(self.zone))
        self.state = PlanState(settings.state_file)
        self.stats = SchedulerStats()
        self.requests: queue.Queue[date] = queue.Queue()
        self._stop = threading.Event()

    def plan(self, day: date) -> bool:
        """Plan one day now, with retries; True when the planner succeeded."""
        for attempt in range(self.settings.plan_retries + 1):
            started = time.monotonic()
            code = self.runner(day)
            self.stats.last_duration_s = time.monotonic() - started
            if code == 0:
                self.stats.runs["ok"] += 1
                self.stats.last_success_at = time.time()
                self.stats.last_planned_day = day.isoformat()
                self.state.mark(day)
                log.info("planned %s in %.1f s", day, self.stats.last_duration_s)
                return True
            self.stats.runs["failed"] += 1
            if code == BAD_INPUT_EXIT:
                log.error("planning %s refused: bad input (see above); tried again next time", day)
                return False
            log.error("planning %s failed (exit %s, attempt %d)", day, code, attempt + 1)
            if attempt < self.settings.plan_retries and self._stop.wait(
                self.settings.plan_retry_delay_s
            ):
                break
        return False

    def due_at_start(self) -> date | None:
        """Today, when the scheduler starts after plan time but before the catch-up limit."""
        now = self._now()
        today = now.date()
        if self.state.planned(today):
            return None
        if self.settings.plan_at <= now.time() < self.settings.catch_up_until:
            return today
        return None

    def stop(self) -> None:
        """Finish the current step and return from ``run``."""
        self._stop.set()
        self.requests.put_nowait(date.min)  # wakes the loop

    def run(self) -> None:
        """The loop: the daily plan, plans on request, retention now and then."""
        if (day := self.due_at_start()) is not None:
            self.plan(day)
        next_plan = next_plan_time(self._now(), plan_at=self.settings.plan_at)
        next_retention = time.monotonic()
        while not self._stop.is_set():
            if self.retention is not None and time.monotonic() >= next_retention:
                self._run_retention()
                next_retention = time.monotonic() + self.settings.retention_every_s
            wait = max(0.0, (next_plan - self._now()).total_seconds())
            try:
                requested = self.requests.get(timeout=min(wait, 60.0))
            except queue.Empty:
                requested = None
            if self._stop.is_set():
                break
            if requested is not None:
                self.plan(requested)
            elif self._now() >= next_plan:
                day = next_plan.date()
                if not self.state.planned(day):
                    self.plan(day)
                next_plan = next_plan_time(self._now(), plan_at=self.settings.plan_at)

    def _run_retention(self) -> None:
        assert self.retention is not None
        try:
            deleted = self.retention()
        except Exception:  # a database hiccup must not stop the planning
            log.exception("retention job failed; trying again later")
            return
        self.stats.retention_runs += 1
        self.stats.retention_deleted += deleted
        if deleted:
            log.info("retention: deleted %d raw readings", deleted)

    def metrics_text(self) -> str:
        """The scheduler's metrics in Prometheus text format."""
        s = self.stats
        lines = [
            "# HELP nettestad_scheduler_plan_runs_total planner runs by outcome",
            "# TYPE nettestad_scheduler_plan_runs_total counter",
            *(
                f'nettestad_scheduler_plan_runs_total{{outcome="{k}"}} {v}'
                for k, v in sorted(s.runs.items())
            ),
            "# HELP nettestad_scheduler_last_success_timestamp_seconds unix time of the last good plan",
            "# TYPE nettestad_scheduler_last_success_timestamp_seconds gauge",
            f"nettestad_scheduler_last_success_timestamp_seconds {s.last_success_at}",
            "# HELP nettestad_scheduler_last_duration_seconds duration of the last planner run",
            "# TYPE nettestad_scheduler_last_duration_seconds gauge",
            f"nettestad_scheduler_last_duration_seconds {s.last_duration_s}",
            "# HELP nettestad_scheduler_retention_deleted_total raw readings deleted by retention",
            "# TYPE nettestad_scheduler_retention_deleted_total counter",
            f"nettestad_scheduler_retention_deleted_total {s.retention_deleted}",
        ]
        return "\n".join(lines) + "\n"


def delete_old_readings(*, database_url: str, keep_days: int, keep_hourly_days: int = 0) -> int:
    """Drop raw readings (and hourly summaries) past their retention on plain PostgreSQL.

    Returns the raw readings deleted; 0 on TimescaleDB, whose retention policies do the same
    chunk by chunk.
    """
    from db.conn import connect
    from db.migrate import uses_timescale
    from db.readings import delete_expired

    with connect(database_url) as conn:
        if uses_timescale(conn):
            return 0
        deleted = delete_expired(conn=conn, keep_days=keep_days, keep_hourly_days=keep_hourly_days)
        conn.commit()
        return deleted


# --- HTTP: /metrics, /health, POST /plan ---------------------------------------------------------
def serve_http(scheduler: Scheduler, host: str, port: int) -> ThreadingHTTPServer:
    """Start the small HTTP server in a daemon thread; returns it (``server_port`` is bound)."""
    token = scheduler.settings.scheduler_token.get_secret_value()

    class Handler(BaseHTTPRequestHandler):
        def _reply(self, status: int, body: str, kind: str = "text/plain") -> None:
            data = body.encode()
            self.send_response(status)
            self.send_header("Content-Type", f"{kind}; charset=utf-8")
            self.send_header("Content-Length", str(len(data)))
            self.end_headers()
            self.wfile.write(data)

        def do_GET(self) -> None:
            path = urlsplit(self.path).path
            if path == "/metrics":
                self._reply(200, scheduler.metrics_text(), "text/plain; version=0.0.4")
            elif path == "/health":
                self._reply(200, '{"status": "ok"}', "application/json")
            else:
                self._reply(404, "not found\n")

        def do_POST(self) -> None:
            parts = urlsplit(self.path)
            if parts.path != "/plan":
                self._reply(404, "not found\n")
                return
            given = self.headers.get("Authorization", "").removeprefix("Bearer ")
            if not secrets.compare_digest(given.encode(), token.encode()):
                self._reply(401, "a valid bearer token is needed\n")
                return
            values = parse_qs(parts.query).get("date", [])
            try:
                day = date.fromisoformat(values[0])
            except (IndexError, ValueError):
                self._reply(400, "give ?date=YYYY-MM-DD\n")
                return
            scheduler.requests.put(day)
            self._reply(202, json.dumps({"queued": day.isoformat()}), "application/json")

        def log_message(self, format: str, *args: object) -> None:  # noqa: A002 - stdlib's name
            log.debug("http: %s", format % args)

    server = ThreadingHTTPServer((host, port), Handler)
    threading.Thread(target=server.serve_forever, name="scheduler-http", daemon=True).start()
    return server


# --- command line -------------------------------------------------------------------------------
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
        server.server_port,
    )
    try:
        scheduler.run()
    finally:
        server.shutdown()
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
