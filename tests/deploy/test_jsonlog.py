"""Structured logs: NETTESTAD_LOG_FORMAT=json gives one JSON object per line."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]


@pytest.mark.slow
def test_json_log_lines_from_the_real_command(tmp_path: Path) -> None:
    """A command's log records come out as JSON objects with time, level, logger and message."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("NETTESTAD_")}
    env |= {
        "PYTHONPATH": str(REPO),
        "NETTESTAD_LOG_FORMAT": "json",
        "NETTESTAD_PLAN_RETRY_DELAY_S": "0",
        # nothing listens on port 1: the planner fails at once and touches no database
        "NETTESTAD_DATABASE_URL": "postgresql://nobody:none@127.0.0.1:1/none",
    }
    # `plan-now` with a planner that fails: the scheduler logs an error record about it
    result = subprocess.run(
        [sys.executable, "-m", "nettestad.cli", "scheduler", "plan-now", "--date", "2026-12-01"],
        env={**env, "PATH": os.environ["PATH"]},
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    records = [json.loads(line) for line in result.stderr.splitlines() if line.startswith("{")]
    failure = [r for r in records if r["logger"] == "scheduler.service"]
    assert failure, result.stderr
    assert failure[0]["level"] == "error"
    assert "planning 2026-12-01 failed" in failure[0]["message"]
    assert failure[0]["ts"].endswith("+00:00")
