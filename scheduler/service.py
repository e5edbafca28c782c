"""``nettestad scheduler``: plan each day's routes early in the morning, and on demand.

Planning itself belongs to the routing part (``nettestad plan --date YYYY-MM-DD``); the scheduler
only decides when to run it, runs it as a child process (a crash or a memory spike of the solver
cannot take the scheduler down), retries a failed run, and asks the database (the ``plans``
table) whether a day already has its plan, so a restart, or a plan made by hand or from the web
app, does not plan a day twice. On the plain-PostgreSQL path it also applies the raw readings'
retention, which TimescaleDB does by itself with a retention policy.

It serves ``/metrics`` (Prometheus), ``/health``, and ``POST /plan?date=YYYY-MM-DD`` (bearer
token) for a plan on demand (``scheduler.server``); ``nettestad scheduler plan-now`` does the same
from a shell (``scheduler.cli``).
"""

from __future__ import annotations

import logging
import queue
import subprocess
import sys
import threading
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from datetime import time as clock
from zoneinfo import ZoneInfo

from pydantic import Field, SecretStr

from config import DEV_SECRET, ServiceSettings

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


PlannedCheck = Callable[[date], bool]


def plans_in_database(database_url: str) -> PlannedCheck:
    """Ask the ``plans`` table whether a day has its active plan (one connection per question)."""

    def planned(day: date) -> bool:
        from db import connect
        from db.schedule import day_planned

        with connect(database_url) as conn:
            return day_planned(conn=conn, day=day)

    return planned


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
        planned: PlannedCheck | None = None,
    ) -> None:
        self.settings = settings
        self.zone = ZoneInfo(settings.timezone)
        self.runner = runner
        self.retention = retention
        self._now = now or (lambda: datetime.now(self.zone))
        self._planned = planned or plans_in_database(settings.database_url.get_secret_value())
        self.stats = SchedulerStats()
        self.requests: queue.Queue[date] = queue.Queue()
        self._stop = threading.Event()
        self._next_plan = next_plan_time(self._now(), plan_at=settings.plan_at)

    def planned(self, day: date) -> bool | None:
        """Whether ``day`` has its plan in the database; None when the database cannot say."""
        try:
            return self._planned(day)
        except Exception:  # the database is away: the caller decides what is safe
            log.exception("cannot ask the database whether %s is planned", day)
            return None

    def plan(self, day: date) -> bool:
        """Plan one day now, with retries; True when the planner succeeded."""
        for attempt in range(self.settings.plan_retries + 1):
            started = time.monotonic()
            code = self.runner(day)
            self.stats.last_duration_s = time.monotonic() - started
            if code == 0:
                self.stats.runs["ok"] += 1
                self.stats.last_success_at = self._now().timestamp()
                self.stats.last_planned_day = day.isoformat()
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
        """Today, when the scheduler starts after plan time but before the catch-up limit.

        Crews may be out on today's plan by then: when the database cannot say whether today is
        planned, it is not planned again.
        """
        now = self._now()
        today = now.date()
        if not self.settings.plan_at <= now.time() < self.settings.catch_up_until:
            return None
        return today if self.planned(today) is False else None

    def tick(self) -> date | None:
        """Plan the day whose plan time has come unless it has its plan; the day the planner ran for.

        At plan time no crew is out yet, so a day the database cannot answer for is planned.
        """
        now = self._now()
        if now < self._next_plan:
            return None
        day = self._next_plan.date()
        self._next_plan = next_plan_time(now, plan_at=self.settings.plan_at)
        if self.planned(day):
            log.info("%s already has its plan; not planned again", day)
            return None
        self.plan(day)
        return day

    def stop(self) -> None:
        """Finish the current step and return from ``run``."""
        self._stop.set()
        self.requests.put_nowait(date.min)  # wakes the loop

    def run(self) -> None:
        """The loop: the daily plan, plans on request, retention now and then."""
        if (day := self.due_at_start()) is not None:
            self.plan(day)
        next_retention = time.monotonic()
        while not self._stop.is_set():
            if self.retention is not None and time.monotonic() >= next_retention:
                self._run_retention()
                next_retention = time.monotonic() + self.settings.retention_every_s
            wait = max(0.0, (self._next_plan - self._now()).total_seconds())
            try:
                requested = self.requests.get(timeout=min(wait, 60.0))
            except queue.Empty:
                requested = None
            if self._stop.is_set():
                break
            if requested is not None:
                self.plan(requested)
            else:
                self.tick()

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


def delete_old_readings(*, database_url: str, keep_days: int, keep_hourly_days: int = 0) -> int:
    """Drop raw readings (and hourly summaries) past their retention on plain PostgreSQL.

    Returns the raw readings deleted; 0 on TimescaleDB, whose retention policies do the same
    chunk by chunk.
    """
    from db import connect, uses_timescale
    from db.readings import delete_expired

    with connect(database_url) as conn:
        if uses_timescale(conn):
            return 0
        deleted = delete_expired(conn=conn, keep_days=keep_days, keep_hourly_days=keep_hourly_days)
        conn.commit()
        return deleted
