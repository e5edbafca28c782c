"""The scheduler plans at the set time, on request, once per day, and keeps plain-path retention."""

from __future__ import annotations

import sys
import threading
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import httpx
import psycopg
import pytest
from pydantic import SecretStr

from nettestad.scheduler import (
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


def _planner(log: Path, *, fail_first: bool = False, exit_code: int = 0) -> list[str]:
    """A stand-in for `nettestad plan`: a real child process that records the date it was given."""
    script = (
        "import sys, pathlib\n"
        f"log = pathlib.Path({str(log)!r})\n"
        "runs = log.read_text().split() if log.exists() else []\n"
        "log.write_text(' '.join([*runs, sys.argv[-1]]))\n"
        f"sys.exit(1 if {fail_first} and not runs else {exit_code})\n"
    )
    return [sys.executable, "-c", script]


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
    settings: SchedulerSettings, tmp_path: Path
) -> None:
    """A day the planner refuses (exit 2) is logged as failed once, not retried at once."""
    log = tmp_path / "runs.txt"
    scheduler = Scheduler(settings, runner=command_runner(_planner(log, exit_code=2)))
    assert not scheduler.plan(date(2026, 3, 10))
    assert _runs(log) == ["2026-03-10"]
    assert scheduler.stats.runs == {"ok": 0, "failed": 1}
    assert not scheduler.state.planned(date(2026, 3, 10))


def _runs(log: Path) -> list[str]:
    return log.read_text().split() if log.exists() else []


@pytest.fixture
def settings(tmp_path: Path) -> SchedulerSettings:
    """Scheduler settings with a state file in the test's folder and no retry delay."""
    return SchedulerSettings(
        state_file=tmp_path / "state.json",
        scheduler_token=SecretStr(TOKEN),
        plan_retry_delay_s=0,
        metrics_port=0,
    )


def test_next_plan_time_crosses_midnight_and_daylight_saving() -> None:
    """The next plan is today's when still ahead, else tomorrow's, at local wall-clock time."""
    from datetime import time

    early = datetime(2026, 3, 28, 3, 0, tzinfo=BRUSSELS)
    assert next_plan_time(early, plan_at=time(4, 30)) == datetime(
        2026, 3, 28, 4, 30, tzinfo=BRUSSELS
    )
    late = datetime(2026, 3, 28, 5, 0, tzinfo=BRUSSELS)
    nxt = next_plan_time(late, plan_at=time(4, 30))
    assert nxt == datetime(2026, 3, 29, 4, 30, tzinfo=BRUSSELS)
    assert nxt.utcoffset() == timedelta(hours=2)  # summer time began that night


def test_daily_plan_runs_at_plan_time_once(settings: SchedulerSettings, tmp_path: Path) -> None:
    """At plan time the planner runs for today; a restarted scheduler does not plan it again."""
    log = tmp_path / "runs.txt"
    now = datetime.now(BRUSSELS)
    if (now + timedelta(seconds=3)).date() != now.date():
        pytest.skip("too close to midnight for a same-day plan time")
    timed = settings.model_copy(
        update={
            "plan_at": (now + timedelta(seconds=1)).time().replace(microsecond=0),
            "catch_up_until": (now + timedelta(hours=1)).time(),
        }
    )
    scheduler = Scheduler(timed, runner=command_runner(_planner(log)))
    thread = threading.Thread(target=scheduler.run, daemon=True)
    thread.start()
    try:
        poll(lambda: _runs(log), timeout=10, what="the planner to run at plan time")
    finally:
        scheduler.stop()
        thread.join(10)
    assert _runs(log) == [now.date().isoformat()]
    assert scheduler.stats.runs == {"ok": 1, "failed": 0}

    restarted = Scheduler(timed, runner=command_runner(_planner(log)))
    assert restarted.due_at_start() is None  # already planned today: not again after a restart
    fresh = Scheduler(
        timed.model_copy(update={"state_file": tmp_path / "other.json"}),
        runner=command_runner(_planner(log)),
    )
    assert fresh.due_at_start() == now.date()  # a day not yet planned is caught up


def test_plan_on_demand_over_http(settings: SchedulerSettings, tmp_path: Path) -> None:
    """POST /plan with the token plans that day (retrying a failure); without it, nothing runs."""
    log = tmp_path / "runs.txt"
    past = (datetime.now(BRUSSELS) - timedelta(hours=2)).time()
    # today's plan time has passed and there is no catch-up window: only the request runs
    far = settings.model_copy(update={"plan_at": past, "catch_up_until": past})
    scheduler = Scheduler(far, runner=command_runner(_planner(log, fail_first=True)))
    server = serve_http(scheduler, "127.0.0.1", 0)
    thread = threading.Thread(target=scheduler.run, daemon=True)
    thread.start()
    base = f"http://127.0.0.1:{server.server_port}"
    try:
        refused = httpx.post(f"{base}/plan", params={"date": "2026-12-01"})
        assert refused.status_code == 401
        wrong = httpx.post(
            f"{base}/plan", params={"date": "morgen"}, headers={"Authorization": f"Bearer {TOKEN}"}
        )
        assert wrong.status_code == 400
        queued = httpx.post(
            f"{base}/plan",
            params={"date": "2026-12-01"},
            headers={"Authorization": f"Bearer {TOKEN}"},
        )
        assert queued.status_code == 202
        poll(lambda: scheduler.stats.runs["ok"] == 1, timeout=10, what="the requested plan")
        assert _runs(log) == ["2026-12-01", "2026-12-01"]  # failed once, retried, succeeded
        metrics = httpx.get(f"{base}/metrics").text
        assert 'nettestad_scheduler_plan_runs_total{outcome="failed"} 1' in metrics
        assert 'nettestad_scheduler_plan_runs_total{outcome="ok"} 1' in metrics
        assert httpx.get(f"{base}/health").json() == {"status": "ok"}
    finally:
        scheduler.stop()
        thread.join(10)
        server.shutdown()
    assert scheduler.state.planned(date(2026, 12, 1))


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
