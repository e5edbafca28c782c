"""Administrators' accounts API and the audit log of logins, registry edits, thresholds and plans."""

from __future__ import annotations

import csv
import io

from fastapi.testclient import TestClient

from api.auth import Role
from tests.api.conftest import PASSWORD, login
from tests.helpers import Conn

H = dict[Role, dict[str, str]]


def _actions(db: Conn) -> list[tuple[str, str, str]]:
    return db.execute("SELECT action, username, object_id FROM audit_log ORDER BY id").fetchall()


def _user_id(db: Conn, name: str) -> int:
    row = db.execute("SELECT id FROM users WHERE username = %s", (name,)).fetchone()
    assert row is not None
    return int(row[0])


def test_an_admin_adds_a_crew_member_who_can_log_in(client: TestClient, headers: H) -> None:
    """A new crew account with a made-up password logs in with that password."""
    answer = client.post(
        "/api/v1/admin/users",
        json={
            "username": "Jan.Peeters",
            "display_name": "Jan",
            "role": "crew",
            "vehicle_id": "veh-2",
        },
        headers=headers[Role.ADMIN],
    )
    assert answer.status_code == 201, answer.text
    assert answer.json()["account"]["username"] == "jan.peeters"
    password = answer.json()["password"]
    assert len(password) >= 12
    assert login(client, "jan.peeters", password)


def test_a_crew_account_needs_a_known_vehicle(client: TestClient, headers: H) -> None:
    """A crew member without a registered vehicle is refused in Dutch."""
    answer = client.post(
        "/api/v1/admin/users",
        json={"username": "piet", "role": "crew", "vehicle_id": "veh-99"},
        headers=headers[Role.ADMIN],
    )
    assert answer.status_code == 422
    assert answer.json()["detail"] == "voertuig 'veh-99' bestaat niet"


def test_a_role_change_ends_the_accounts_sessions(client: TestClient, headers: H, db: Conn) -> None:
    """After a new role the old session no longer works, and the audit holds old and new role."""
    target = _user_id(db, "enforcement1")
    answer = client.put(
        f"/api/v1/admin/users/{target}",
        json={"display_name": "Els", "role": "coordinator"},
        headers=headers[Role.ADMIN],
    )
    assert answer.status_code == 200, answer.text
    assert client.get("/api/v1/auth/me", headers=headers[Role.ENFORCEMENT]).status_code == 401
    detail = db.execute("SELECT detail FROM audit_log WHERE action = 'user.update'").fetchone()
    assert detail is not None
    assert detail[0]["role"] == {"van": "enforcement", "naar": "coordinator"}


def test_a_disabled_account_cannot_log_in(client: TestClient, headers: H, db: Conn) -> None:
    """Disabling ends the session and refuses the next login."""
    target = _user_id(db, "crew1")
    answer = client.post(f"/api/v1/admin/users/{target}/disable", headers=headers[Role.ADMIN])
    assert answer.json()["account"]["active"] is False
    assert client.get("/api/v1/auth/me", headers=headers[Role.CREW]).status_code == 401
    refused = client.post("/api/v1/auth/login", json={"username": "crew1", "password": PASSWORD})
    assert refused.status_code == 401


def test_an_admin_cannot_disable_or_demote_themselves(
    client: TestClient, headers: H, db: Conn
) -> None:
    """The last way in is never closed by accident."""
    me = _user_id(db, "admin1")
    h = headers[Role.ADMIN]
    assert client.post(f"/api/v1/admin/users/{me}/disable", headers=h).status_code == 409
    demote = client.put(
        f"/api/v1/admin/users/{me}", json={"display_name": "A", "role": "crew"}, headers=h
    )
    assert demote.status_code == 409


def test_a_password_reset_replaces_the_password(client: TestClient, headers: H, db: Conn) -> None:
    """The old password stops working, the new one works, the reset is audited."""
    target = _user_id(db, "coordinator1")
    answer = client.post(
        f"/api/v1/admin/users/{target}/password",
        json={"password": "nieuw wachtwoord 2026"},
        headers=headers[Role.ADMIN],
    )
    assert answer.status_code == 200, answer.text
    assert answer.json()["password"] is None
    old = client.post("/api/v1/auth/login", json={"username": "coordinator1", "password": PASSWORD})
    assert old.status_code == 401
    assert login(client, "coordinator1", "nieuw wachtwoord 2026")
    assert ("user.password_reset", "admin1", "coordinator1") in _actions(db)


def test_a_short_password_is_refused(client: TestClient, headers: H, db: Conn) -> None:
    """Fewer than ten characters is refused in Dutch."""
    target = _user_id(db, "coordinator1")
    answer = client.post(
        f"/api/v1/admin/users/{target}/password",
        json={"password": "kort"},
        headers=headers[Role.ADMIN],
    )
    assert answer.status_code == 422
    assert "minstens 10 tekens" in answer.json()["detail"]


def test_logins_failures_and_logouts_are_audited(
    client: TestClient, accounts: dict[Role, str], db: Conn
) -> None:
    """A failed login, a login and a logout each leave an entry with the name."""
    client.post("/api/v1/auth/login", json={"username": "crew1", "password": "fout wachtwoord"})
    h = login(client, "crew1")
    client.post("/api/v1/auth/logout", headers=h)
    assert [a for a in _actions(db) if a[1] == "crew1"] == [
        ("login_failed", "crew1", "crew1"),
        ("login", "crew1", "crew1"),
        ("logout", "crew1", "crew1"),
    ]


def test_a_threshold_change_is_audited(client: TestClient, headers: H, db: Conn) -> None:
    """Setting a container type's threshold leaves an entry with the new value."""
    answer = client.put(
        "/api/v1/coordinator/thresholds/glass",
        json={"threshold": 0.7},
        headers=headers[Role.COORDINATOR],
    )
    assert answer.status_code == 200
    row = db.execute(
        "SELECT username, object_id, detail FROM audit_log WHERE action = 'threshold.set'"
    ).fetchone()
    assert row == ("coordinator1", "glass", {"threshold": 0.7})


def test_the_audit_log_filters_by_action_user_and_date(client: TestClient, headers: H) -> None:
    """Filtering by an action prefix and a person returns only their matching entries."""
    h = headers[Role.ADMIN]
    client.put("/api/v1/coordinator/thresholds/glass", json={"threshold": 0.7},
               headers=headers[Role.COORDINATOR])  # fmt: skip
    rows = client.get("/api/v1/admin/audit", params={"action": "login"}, headers=h).json()
    assert {r["username"] for r in rows} == {"crew1", "coordinator1", "enforcement1", "admin1"}
    mine = client.get(
        "/api/v1/admin/audit", params={"username": "coordinator1", "action": "threshold."},
        headers=h,
    ).json()  # fmt: skip
    assert [r["action"] for r in mine] == ["threshold.set"]
    future = client.get(
        "/api/v1/admin/audit", params={"start": "2999-01-01T00:00:00+01:00"}, headers=h
    ).json()
    assert future == []


def test_the_audit_log_exports_as_csv_and_the_export_is_audited(
    client: TestClient, headers: H, db: Conn
) -> None:
    """The CSV has a header and one line per entry; the export itself leaves an entry."""
    answer = client.get(
        "/api/v1/admin/audit.csv", params={"action": "login"}, headers=headers[Role.ADMIN]
    )
    assert answer.status_code == 200
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert len(rows) == 4
    assert {r["action"] for r in rows} == {"login"}
    assert ("audit.export", "admin1", "*") in _actions(db)


def test_only_admins_manage_accounts(client: TestClient, headers: H) -> None:
    """Coordinators are refused the account list and the audit log."""
    h = headers[Role.COORDINATOR]
    assert client.get("/api/v1/admin/users", headers=h).status_code == 403
    assert client.get("/api/v1/admin/audit", headers=h).status_code == 403


def test_a_plan_and_a_replan_are_audited(client: TestClient, headers: H, db: Conn) -> None:
    """Planning a day and re-planning it each leave an entry naming the plan and the person."""
    from datetime import UTC, datetime

    from tests.routing.history import seed_city

    seed_city(db, bins=20, days=5, until=datetime(2026, 3, 9, 21, 0, tzinfo=UTC))
    created = client.post(
        "/api/v1/plans",
        json={"day": "2026-03-10", "time_limit_s": 1},
        headers=headers[Role.COORDINATOR],
    )
    assert created.status_code == 201, created.text
    plan_id = created.json()["plan_id"]
    replanned = client.post(
        f"/api/v1/plans/{plan_id}/replan",
        json={"events": [], "now": "2026-03-10T09:00:00+01:00", "time_limit_s": 1},
        headers=headers[Role.ADMIN],
    )
    assert replanned.status_code == 201, replanned.text
    entries = [a for a in _actions(db) if a[0].startswith("plan.")]
    assert entries == [
        ("plan.create", "coordinator1", str(plan_id)),
        ("plan.replan", "admin1", str(replanned.json()["plan_id"])),
    ]


def test_a_formula_typed_as_a_login_name_is_exported_as_text(
    client: TestClient, headers: H
) -> None:
    """A failed login's name that starts like a formula gets a leading quote in the CSV."""
    client.post("/api/v1/auth/login", json={"username": "=cmd|' /c calc'!A1", "password": "x"})
    answer = client.get(
        "/api/v1/admin/audit.csv", params={"action": "login_failed"}, headers=headers[Role.ADMIN]
    )
    rows = list(csv.DictReader(io.StringIO(answer.text)))
    assert [r["username"] for r in rows] == ["'=cmd|' /c calc'!a1"]
