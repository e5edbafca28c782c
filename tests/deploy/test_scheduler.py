"""The scheduler plans at the set time, on request, once per day (as the plans table says), and
keeps plain-path retention."""

from __future__ import annotations

import sys
import threading
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import psycopg
import pytest
from pydantic import SecretStr

from scheduler import (
    Scheduler,
    SchedulerSettings,
    command_runner,
    delete_old_readings,
    next_plan_time,
    serve_http,
)
from tests.helpers import poll

BRUSSELS = ZoneInfo("Europe/Brussels")
TOKEN = "test-token-4b1e9d"  # noqa: S105 - the token of a scheduler that lives for one test


def _planner(
    log: Path, *, database_url: str = "", fail_first: bool = False, exit_code: int = 0
) -> list[str]:
    """A stand-in for `nettestad plan`: a real child process that records the date it was given
    and, given a database and success, stores an active plan for it as the planner does."""
    script = (
        "import sys, pathlib, psycopg\n"
        f"log = pathlib.Path({str(log)!r})\n"
        "runs = log.read_text().split() if log.exists() else []\n"
        "log.write_text(' '.join([*runs, sys.argv[-1]]))\n"
        f"code = 1 if {fail_first} and not runs else {exit_code}\n"
        f"if code == 0 and {database_url!r}:\n"
        f"    with psycopg.connect({database_url!r}) as conn:\n"
        f"        conn.execute({_STORE_PLAN!r}, (sys.argv[-1],))\n"
        "sys.exit(code)\n"
    )
    return [sys.executable, "-c", script]


_STORE_PLAN = """INSERT INTO plans (day, objective, distance_m, solve_s, summary)
                 VALUES (%s, 0, 0, 0.1, '{"checked": true}')"""


@dataclass
class Clock:
    """The scheduler's clock, set by the test."""

    at: datetime

    def __call__(self) -> datetime:
        """The time the test set."""
        return self.at


def _store_plan(database_url: str, day: date, state: str = "active") -> None:
    """A plan for ``day`` stored by someone else (a coordinator in the web app, ``nettestad plan``)."""
    with psycopg.connect(database_url) as conn:
        conn.execute(
            """INSERT INTO plans (day, state, objective, distance_m, solve_s, summary)
               VALUES (%s, %s, 0, 0, 0.1, '{"checked": true}')""",
            (day, state),
        )


def _argv_planner(log: Path) -> list[str]:
    """A stand-in for `nettestad plan` that records its whole argument list."""
    script = f"import sys, pathlib; pathlib.Path({str(log)!r}).write_text(' '.join(sys.argv[1:]))"
    return [sys.executable, "-c", script]


def test_the_scheduler_sets_the_planning_budget(tmp_path: Path) -> None:
    """The planner child gets the scheduler's explicit time limit before the date."""
    log = tmp_path / "argv.txt"
    run = command_runner(_argv_planner(log), time_limit_s=120)
    assert run(date(2026, 3, 10)) == 0
    assert log.read_text().split() == ["--time-limit", "120", "--date", "2026-03-10"]


def test_bad_input_is_not_retried_until_the_next_trigger(
    settings: SchedulerSettings, tmp_path: Path, database_url: str
) -> None:
    """A day the planner refuses (exit 2) is logged as failed once, not retried at once."""
    log = tmp_path / "runs.txt"
    planner = _planner(log, database_url=database_url, exit_code=2)
    scheduler = Scheduler(settings, runner=command_runner(planner))
    assert not scheduler.plan(date(2026, 3, 10))
    assert _runs(log) == ["2026-03-10"]
    assert scheduler.stats.runs == {"ok": 0, "failed": 1}
    assert scheduler.planned(date(2026, 3, 10)) is False


def _runs(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


@pytest.fixture
def settings(database_url: str) -> SchedulerSettings:
    """Scheduler settings on the test's database, planning at 04:30, with no retry delay."""
    return SchedulerSettings(
        database_url=SecretStr(database_url),
        plan_at=time(4, 30),
        catch_up_until=time(11, 0),
        scheduler_token=SecretStr(TOKEN),
        plan_retry_delay_s=0,
        metrics_port=0,
    )


def test_next_plan_time_crosses_midnight_and_daylight_saving() -> None:
    """The next plan is today's when still ahead, else tomorrow's, at local wall-clock time."""
    early = datetime(2026, 3, 28, 3, 0, tzinfo=BRUSSELS)
    assert next_plan_time(early, plan_at=time(4, 30)) == datetime(
        2026, 3, 28, 4, 30, tzinfo=BRUSSELS
    )
    late = datetime(2026, 3, 28, 5, 0, tzinfo=BRUSSELS)
    nxt = next_plan_time(late, plan_at=time(4, 30))
    assert nxt == datetime(2026, 3, 29, 4, 30, tzinfo=BRUSSELS)
    assert nxt.utcoffset() == timedelta(hours=2)  # summer time began that night


def _at(day: int, hour: int, minute: int = 0) -> datetime:
    return datetime(2026, 3, day, hour, minute, tzinfo=BRUSSELS)


def test_daily_plan_runs_at_plan_time_once(
    settings: SchedulerSettings, tmp_path: Path, database_url: str
) -> None:
    """At plan time the planner runs once for that day; a day the plans table already has an
    active plan for (a restart, a plan made by hand) is not planned again, one without is."""
    log = tmp_path / "runs.txt"
    planner = command_runner(_planner(log, database_url=database_url))
    clock = Clock(_at(10, 4))
    scheduler = Scheduler(settings, runner=planner, now=clock)
    assert scheduler.due_at_start() is None  # before plan time
    assert scheduler.tick() is None
    assert _runs(log) == []

    clock.at = _at(10, 4, 30)
    assert scheduler.tick() == date(2026, 3, 10)
    assert _runs(log) == ["2026-03-10"]
    assert scheduler.stats.runs == {"ok": 1, "failed": 0}
    assert scheduler.stats.last_success_at == clock.at.timestamp()
    assert scheduler.planned(date(2026, 3, 10)) is True
    clock.at = _at(10, 4, 45)
    assert scheduler.tick() is None  # the next plan time is tomorrow's

    _store_plan(database_url, date(2026, 3, 11))  # made by hand before the scheduler's turn
    clock.at = _at(11, 4, 30)
    assert scheduler.tick() is None
    assert _runs(log) == ["2026-03-10"]

    _store_plan(database_url, date(2026, 3, 12), state="unchecked")  # not the day's plan
    clock.at = _at(12, 4, 31)
    assert scheduler.tick() == date(2026, 3, 12)
    assert _runs(log) == ["2026-03-10", "2026-03-12"]

    def restarted(at: datetime) -> date | None:
        return Scheduler(settings, runner=planner, now=Clock(at)).due_at_start()

    assert restarted(_at(12, 7)) is None  # planned: not again after a restart
    assert restarted(_at(13, 7)) == date(2026, 3, 13)  # a day not yet planned is caught up
    assert restarted(_at(13, 11, 30)) is None  # too late: crews are out without a new plan
    assert _runs(log) == ["2026-03-10", "2026-03-12"]


def test_a_database_that_cannot_answer(settings: SchedulerSettings, tmp_path: Path) -> None:
    """When the database cannot say whether a day is planned, plan time plans it (no crew is out
    yet) and a restart during the day does not (crews may be out on its plan)."""
    log = tmp_path / "runs.txt"
    away = settings.model_copy(
        update={"database_url": SecretStr("postgresql://nobody:none@127.0.0.1:1/none")}
    )
    clock = Clock(_at(10, 7))
    scheduler = Scheduler(away, runner=command_runner(_planner(log)), now=clock)
    assert scheduler.planned(date(2026, 3, 10)) is None
    assert scheduler.due_at_start() is None
    clock.at = _at(11, 4, 30)
    assert scheduler.tick() == date(2026, 3, 11)
    assert _runs(log) == ["2026-03-11"]


def test_plan_on_demand_over_http(
    settings: SchedulerSettings, tmp_path: Path, database_url: str
) -> None:
    """POST /plan with the token plans that day (retrying a failure); without it, nothing runs."""
    log = tmp_path / "runs.txt"
    # past the catch-up window, the next plan time is tomorrow: only the request runs
    clock = Clock(datetime(2026, 11, 30, 12, 0, tzinfo=BRUSSELS))
    planner = _planner(log, database_url=database_url, fail_first=True)
    scheduler = Scheduler(settings, runner=command_runner(planner), now=clock)
    server = serve_http(scheduler, "127.0.0.1", 0)
    thread = threading.Thread(target=scheduler.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.port}"
    try:
        refused = httpx.post(f"{base}/plan", params={"date": "2026-12-01"})
        assert refused.status_code == 401
        wrong = httpx.post(
            f"{base}/plan", params={"date": "morgen"}, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert wrong.status_code == 400
        assert httpx.get(f"{base}/plan").status_code == 405
        queued = httpx.post(
            f"{base}/plan",
            params={"date": "2026-12-01"},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert queued.status_code == 202
        poll(lambda: scheduler.stats.runs["ok"] == 1, timeout=10, what="the requested plan")
        assert _runs(log) == ["2026-12-01", "2026-12-01"]  # failed once, retried, succeeded
        metrics = httpx.get(f"{base}/metrics").text
        assert 'nettestad_scheduler_plan_runs_total{outcome="failed"} 1.0' in metrics
        assert 'nettestad_scheduler_plan_runs_total{outcome="ok"} 1.0' in metrics
        samples = dict(line.rsplit(" ", 1) for line in metrics.splitlines() if line[:1] != "#")
        last = float(samples["nettestad_scheduler_last_success_timestamp_seconds"])
        assert last == clock.at.timestamp()  # the scheduler's own clock, not the wall clock
        assert httpx.get(f"{base}/health").json() == {"status": "ok"}
    finally:
        scheduler.stop()
        thread.join(10)
        server.close()
    assert scheduler.planned(date(2026, 12, 1)) is True


def test_retention_deletes_only_old_readings_on_plain_postgres(database_url: str) -> None:
    """Raw readings and hourly summaries past their retention are deleted, newer ones kept (plain PostgreSQL)."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        timescale = conn.execute(
            "SELECT 1 FROM pg_extension WHERE extname = 'timescaledb'"
        ).fetchone()
        if timescale:
            pytest.skip("on TimescaleDB the retention policy deletes chunks instead")
        now = datetime.now(UTC)
        for seq, age in enumerate((500, 401, 399, 1)):
            conn.execute(
                """INSERT INTO fill_readings (device_id, bin_id, ts, seq, quality, status)
                   VALUES ('fill-r001', 'bin-r', %s, %s, 'ok', 'ok')""",
                (now - timedelta(days=age), seq),
            )
        for age in (1200, 10):
            conn.execute(
                """INSERT INTO fill_hourly (bin_id, bucket, readings, fill_n)
                   VALUES ('bin-r', %s, 4, 4)""",
                (now - timedelta(days=age),),
            )
    deleted = delete_old_readings(database_url=database_url, keep_days=400, keep_hourly_days=1095)
    assert deleted == 2
    with psycopg.connect(database_url) as conn:
        left = conn.execute("SELECT seq FROM fill_readings ORDER BY seq").fetchall()
        hourly = conn.execute("SELECT count(*) FROM fill_hourly").fetchone()
    assert [r[0] for r in left] == [2, 3]
    assert hourly == (1,)  # the three-year-old hour is gone, last week's kept
