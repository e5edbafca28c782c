"""A plan made with ``nettestad plan`` (by hand or by the scheduler) is in the audit log."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from nettestad.cli import main
from tests.routing.history import seed_city


def test_a_plan_from_the_command_line_is_audited(
    database_url: str, db: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    """``nettestad plan`` stores the plan and one audit entry naming it and the day."""
    now = datetime.now(UTC)
    seed_city(db, bins=20, days=7, until=now)
    monkeypatch.setenv("NETTESTAD_DATABASE_URL", database_url)
    day = (now + timedelta(days=1)).date()
    assert main(["plan", "--date", day.isoformat(), "--time-limit", "3"]) == 0
    plan = db.execute("SELECT id FROM plans WHERE state = 'active'").fetchone()
    entries = db.execute(
        "SELECT action, object_type, object_id, role, detail->>'day' FROM audit_log"
    ).fetchall()
    assert entries == [("plan.create", "plan", str(plan[0]), "cli", day.isoformat())]
