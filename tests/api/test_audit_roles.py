"""The audit log belongs to its own role: the application's role may add and read, nothing else.

The test suite connects as a superuser, which no table privilege binds; these tests therefore log
in as a real, freshly made login role that is a member of ``nettestad_app`` only, as the services
do in production (docs/operations.md "Database roles").
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit, urlunsplit

import psycopg
import pytest
from fastapi.testclient import TestClient
from psycopg import errors, sql
from pydantic import SecretStr

from api.app import create_app
from api.auth import Role
from api.evidence_access import DirectoryEvidence
from api.settings import ApiSettings
from tests.api.conftest import login
from tests.api.seed import seed_city, seed_detection
from tests.helpers import RecordingSender

Db = psycopg.Connection[tuple[Any, ...]]
APP_PASSWORD = "app-role-test-password"  # noqa: S105 - a throw-away role of this test


@pytest.fixture
def app_url(db: Db, database_url: str) -> Iterator[str]:
    """The test database's URL for a new non-superuser login role in ``nettestad_app``."""
    name = f"t_app_{uuid.uuid4().hex[:10]}"
    db.execute(
        sql.SQL(
            "CREATE ROLE {} LOGIN NOSUPERUSER NOCREATEROLE NOCREATEDB PASSWORD {} IN ROLE nettestad_app"
        ).format(sql.Identifier(name), sql.Literal(APP_PASSWORD))
    )
    parts = urlsplit(database_url)
    netloc = f"{name}:{APP_PASSWORD}@{parts.hostname}:{parts.port or 5432}"
    yield urlunsplit(parts._replace(netloc=netloc))
    db.execute("SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = %s", (name,))
    db.execute(sql.SQL("DROP ROLE {}").format(sql.Identifier(name)))


@pytest.fixture
def app_db(app_url: str, db: Db) -> Iterator[Db]:
    """An autocommit connection as the application role, with one audit entry present."""
    db.execute(
        """INSERT INTO audit_log (username, role, action, object_type, object_id)
           VALUES ('enforcement1', 'enforcement', 'view', 'dumping_event', 'evt-1')"""
    )
    with psycopg.connect(app_url, autocommit=True) as conn:
        yield conn


def test_the_application_role_is_no_superuser_and_not_the_owner(app_db: Db) -> None:
    """The role the services use is neither superuser nor owner (nor member) of the audit role."""
    row = app_db.execute(
        """SELECT r.rolsuper, pg_has_role(current_user, t.tableowner, 'USAGE'), t.tableowner
           FROM pg_roles r, pg_tables t
           WHERE r.rolname = current_user AND t.tablename = 'audit_log'"""
    ).fetchone()
    assert row == (False, False, "nettestad_audit")


def test_the_application_role_may_add_and_read_audit_entries(app_db: Db) -> None:
    """INSERT and SELECT work for the application role."""
    app_db.execute(
        """INSERT INTO audit_log (username, role, action, object_type, object_id)
           VALUES ('enforcement1', 'enforcement', 'export', 'dumping_event', 'evt-1')"""
    )
    actions = [r[0] for r in app_db.execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["view", "export"]


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_log SET username = 'someone else'",
        "DELETE FROM audit_log",
        "TRUNCATE audit_log",
        "ALTER TABLE audit_log DISABLE TRIGGER audit_log_no_update",
        "ALTER TABLE audit_log DISABLE TRIGGER ALL",
        "DROP TRIGGER audit_log_no_update ON audit_log",
        "DROP TRIGGER audit_log_no_truncate ON audit_log",
        "DROP FUNCTION audit_log_is_append_only() CASCADE",
        (
            "CREATE OR REPLACE FUNCTION audit_log_is_append_only() RETURNS trigger"
            " LANGUAGE plpgsql AS $$ BEGIN RETURN OLD; END $$"
        ),
        "DROP TABLE audit_log",
        "ALTER TABLE audit_log OWNER TO CURRENT_USER",
        "SET session_replication_role = replica",
        "SET ROLE nettestad_audit",
    ],
)
def test_the_application_role_cannot_change_or_unprotect_the_audit_log(
    app_db: Db, statement: str
) -> None:
    """Each way of altering the log or switching its protection off is refused for lack of privilege."""
    with pytest.raises(errors.InsufficientPrivilege):
        app_db.execute(statement.encode())
    assert app_db.execute("SELECT count(*) FROM audit_log").fetchone() == (1,)


def test_the_enforcement_flow_runs_as_the_application_role(
    app_url: str,
    accounts: dict[Role, str],
    db: Db,
    tmp_path: Path,
) -> None:
    """The API works on the application role's privileges alone: review, case, export, all audited."""
    seed_city(db)
    seed_detection(db, tmp_path, event_id="evt-00000021")
    settings = ApiSettings(database_url=SecretStr(app_url), pool_min=1, pool_max=3)
    app = create_app(
        settings, evidence_files=DirectoryEvidence(tmp_path), commands=RecordingSender()
    )
    with TestClient(app) as client:
        officer = login(client, accounts[Role.ENFORCEMENT])
        client.get("/api/v1/enforcement/events/evt-00000021", headers=officer)
        number = client.post(
            "/api/v1/enforcement/events/evt-00000021/review",
            json={"state": "confirmed", "reason": "zakken achtergelaten"},
            headers=officer,
        ).json()["case_number"]
        bundle = client.get(f"/api/v1/enforcement/cases/{number}/bundle", headers=officer)
        assert bundle.status_code == 200
    actions = [r[0] for r in db.execute("SELECT action FROM audit_log ORDER BY id")]
    assert actions == ["login", "view", "confirmed", "export"]
