"""Accounts, sessions, throttling and role checks."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import psycopg
import pytest
from fastapi import Depends, FastAPI
from fastapi.testclient import TestClient

from api import auth
from api.auth import Role, User, require_roles
from api.settings import ApiSettings
from nettestad.cli import main
from tests.api.conftest import PASSWORD, login


def test_login_sets_an_httponly_cookie_and_me_answers(
    client: TestClient, accounts: dict[Role, str]
) -> None:
    """A correct login opens a cookie session that /me recognises; logout ends it."""
    response = client.post("/api/v1/auth/login", json={"username": "crew1", "password": PASSWORD})
    assert response.status_code == 200
    assert "httponly" in response.headers["set-cookie"].lower()
    me = client.get("/api/v1/auth/me").json()
    assert me["role"] == "crew"
    assert me["vehicle_id"] == "veh-1"
    assert client.post("/api/v1/auth/logout").status_code == 204
    client.cookies.clear()
    assert client.get("/api/v1/auth/me").status_code == 401


def test_password_is_stored_as_argon2id(
    db: psycopg.Connection[tuple[Any, ...]], accounts: dict[Role, str]
) -> None:
    """The users table holds an Argon2id hash, never the password."""
    row = db.execute("SELECT password_hash FROM users WHERE username = 'crew1'").fetchone()
    assert row is not None
    assert row[0].startswith("$argon2id$")
    assert PASSWORD not in row[0]


def test_wrong_password_is_throttled_after_five_failures(
    client: TestClient, accounts: dict[Role, str]
) -> None:
    """Five wrong passwords lock the account name: even the right one then gets 429."""
    for _ in range(5):
        bad = client.post("/api/v1/auth/login", json={"username": "crew1", "password": "nope"})
        assert bad.status_code == 401
    locked = client.post("/api/v1/auth/login", json={"username": "crew1", "password": PASSWORD})
    assert locked.status_code == 429
    assert int(locked.headers["retry-after"]) > 0
    # another account from the same address still logs in
    assert (
        client.post(
            "/api/v1/auth/login", json={"username": "admin1", "password": PASSWORD}
        ).status_code
        == 200
    )


def test_expired_session_is_refused(
    client: TestClient, accounts: dict[Role, str], db: psycopg.Connection[tuple[Any, ...]]
) -> None:
    """A session past its expiry time no longer authenticates."""
    bearer = login(client, "coordinator1")
    assert client.get("/api/v1/auth/me", headers=bearer).status_code == 200
    db.execute("UPDATE sessions SET expires_at = now() - interval '1 second'")
    assert client.get("/api/v1/auth/me", headers=bearer).status_code == 401


def test_disabled_account_loses_its_sessions(
    client: TestClient, accounts: dict[Role, str], db: psycopg.Connection[tuple[Any, ...]]
) -> None:
    """Disabling an account ends its open sessions at once."""
    bearer = login(client, "enforcement1")
    db.execute("UPDATE users SET active = false WHERE username = 'enforcement1'")
    assert client.get("/api/v1/auth/me", headers=bearer).status_code == 401


def test_require_roles_gives_401_then_403_then_the_user(api_settings: ApiSettings) -> None:
    """The dependency answers 401 without a session, 403 for a wrong role, the user otherwise."""
    from api.app import create_app

    app: FastAPI = create_app(api_settings)

    @app.get("/probe")
    def probe(user: User = Depends(require_roles(Role.ENFORCEMENT))) -> dict[str, str]:  # noqa: B008 - FastAPI's dependency idiom
        return {"who": user.username}

    with TestClient(app) as client:
        with psycopg.connect(api_settings.database_url.get_secret_value(), autocommit=True) as c:
            auth.create_user(conn=c, username="officer", password=PASSWORD, role=Role.ENFORCEMENT)
            auth.create_user(conn=c, username="driver", password=PASSWORD, role=Role.CREW)
        assert client.get("/probe").status_code == 401
        assert client.get("/probe", headers=login(client, "driver")).status_code == 403
        assert client.get("/probe", headers=login(client, "officer")).json() == {"who": "officer"}


def test_user_add_cli_creates_a_working_account(
    database_url: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """``nettestad user add`` stores an account whose password logs in."""
    import io

    monkeypatch.setenv("NETTESTAD_DATABASE_URL", database_url)
    monkeypatch.setattr("sys.stdin", io.StringIO(PASSWORD + "\n"))
    code = main(["user", "add", "anna", "--role", "crew", "--vehicle", "v2", "--password-stdin"])
    assert code == 0
    assert "added anna" in capsys.readouterr().out
    with psycopg.connect(database_url) as conn:
        user = auth.authenticate(conn=conn, username="anna", password=PASSWORD, client_ip="t")
        assert user is not None
        assert user.vehicle_id == "v2"
        assert (
            auth.authenticate(conn=conn, username="anna", password="x" * 12, client_ip="t") is None
        )
    monkeypatch.setattr("sys.stdin", io.StringIO("short\n"))
    assert main(["user", "add", "bert", "--role", "admin", "--password-stdin"]) == 1


def test_session_ttl_follows_settings(
    client: TestClient, accounts: dict[Role, str], db: psycopg.Connection[tuple[Any, ...]]
) -> None:
    """A session expires after the configured number of hours."""
    login(client, "admin1")
    row = db.execute("SELECT expires_at - created_at FROM sessions").fetchone()
    assert row is not None
    assert abs(row[0] - timedelta(hours=12)) < timedelta(minutes=1)
