"""Accounts, sessions, throttling and role checks."""

from __future__ import annotations

import shutil
import tempfile
from datetime import timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi import Depends, FastAPI, Request
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api import auth
from api.app import create_app
from api.auth import Role, User, create_user, require_roles
from api.settings import ApiSettings
from db.conn import with_database
from db.migrate import TimescaleMode, upgrade
from nettestad.cli import main
from tests.api.conftest import PASSWORD, login
from tests.ingest.services import PrivatePostgres


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


def test_wrong_passwords_delay_that_name_from_that_address(
    client: TestClient, accounts: dict[Role, str]
) -> None:
    """After three wrong passwords the next try from the same address must wait (429 with a
    Retry-After in seconds, a Dutch message); another account there still logs in."""
    for _ in range(3):
        bad = client.post("/api/v1/auth/login", json={"username": "crew1", "password": "nope"})
        assert bad.status_code == 401
    delayed = client.post("/api/v1/auth/login", json={"username": "crew1", "password": PASSWORD})
    assert delayed.status_code == 429
    assert 0 < int(delayed.headers["retry-after"]) <= 2
    assert "te veel mislukte aanmeldingen" in delayed.json()["detail"]
    assert (
        client.post(
            "/api/v1/auth/login", json={"username": "admin1", "password": PASSWORD}
        ).status_code
        == 200
    )


def test_guessing_from_elsewhere_never_locks_out_the_real_user(
    db: psycopg.Connection[tuple[Any, ...]], accounts: dict[Role, str]
) -> None:
    """Forty failures for one name from an attacker's address leave the user's own address free."""
    for _ in range(40):
        db.execute(
            "INSERT INTO login_failures (username, client_ip) VALUES ('crew1', '203.0.113.9')"
        )
    db.commit()
    with pytest.raises(auth.LoginThrottledError):
        auth.authenticate(conn=db, username="crew1", password=PASSWORD, client_ip="203.0.113.9")
    user = auth.authenticate(conn=db, username="crew1", password=PASSWORD, client_ip="198.51.100.7")
    assert user is not None
    assert user.username == "crew1"


def test_a_busy_address_gets_a_short_delay_not_a_lockout(
    db: psycopg.Connection[tuple[Any, ...]], accounts: dict[Role, str]
) -> None:
    """Many failures for many names from one office address delay it by at most 30 s."""
    for i in range(60):
        db.execute(
            "INSERT INTO login_failures (username, client_ip) VALUES (%s, '192.0.2.1')",
            (f"someone{i}",),
        )
    db.commit()
    with pytest.raises(auth.LoginThrottledError) as info:
        auth.authenticate(conn=db, username="admin1", password=PASSWORD, client_ip="192.0.2.1")
    assert info.value.retry_after <= 30


def test_backoff_doubles_up_to_its_cap() -> None:
    """The delay is 0 for the free failures, then 1, 2, 4 ... seconds, never beyond the cap."""
    cap = timedelta(minutes=15)
    assert [auth.backoff(n, 3, cap) for n in range(7)] == [0, 0, 0, 1, 2, 4, 8]
    assert auth.backoff(500, 3, cap) == 900


def test_admin_unlock_lifts_the_delay(
    client: TestClient, accounts: dict[Role, str], headers: dict[Role, dict[str, str]]
) -> None:
    """An administrator's unlock lets the delayed account log in at once; others may not unlock."""
    for _ in range(4):  # three failures, then a delayed attempt that is not counted
        client.post("/api/v1/auth/login", json={"username": "crew1", "password": "nope"})
    body = {"username": "crew1"}
    assert (
        client.post("/api/v1/auth/unlock", json=body, headers=headers[Role.COORDINATOR]).status_code
        == 403
    )
    unlocked = client.post("/api/v1/auth/unlock", json=body, headers=headers[Role.ADMIN])
    assert unlocked.status_code == 200
    assert unlocked.json()["cleared"] == 3
    again = client.post("/api/v1/auth/login", json={"username": "crew1", "password": PASSWORD})
    assert again.status_code == 200


def _request(peer: str, forwarded: str | None, proxies: str) -> Request:
    settings = ApiSettings(trusted_proxies=proxies)
    app = FastAPI()
    app.state.settings = settings
    headers = [(b"x-forwarded-for", forwarded.encode())] if forwarded else []
    scope = {"type": "http", "client": (peer, 5000), "headers": headers, "app": app}
    return Request(scope)


@pytest.mark.parametrize(
    ("peer", "forwarded", "proxies", "expected"),
    [
        ("203.0.113.5", "1.2.3.4", "", "203.0.113.5"),  # no proxy configured: header ignored
        ("203.0.113.5", "1.2.3.4", "172.28.10.10", "203.0.113.5"),  # not from the proxy
        ("172.28.10.10", "1.2.3.4", "172.28.10.10", "1.2.3.4"),  # the proxy's hop
        ("172.28.10.10", "6.6.6.6, 1.2.3.4", "172.28.10.10", "1.2.3.4"),  # spoofed left hop
        ("172.28.10.10", "1.2.3.4, 172.28.10.2", "172.28.10.0/24", "1.2.3.4"),  # proxy chain
        ("172.28.10.10", "not-an-ip", "172.28.10.10", "172.28.10.10"),
    ],
)
def test_forwarded_for_is_believed_only_from_the_proxy_hop(
    peer: str, forwarded: str, proxies: str, expected: str
) -> None:
    """Only the configured proxy's nearest X-Forwarded-For hop names the client; a rotating
    header sent by the client itself changes nothing."""
    assert auth.client_address(_request(peer, forwarded, proxies)) == expected


@pytest.mark.parametrize(
    ("headers", "status"),
    [
        ({"Origin": "https://evil.example"}, 403),
        ({"Sec-Fetch-Site": "cross-site"}, 403),
        ({"Sec-Fetch-Site": "same-site"}, 403),
        ({"Origin": "null"}, 403),
        ({"Origin": "http://testserver"}, 401),
        ({"Sec-Fetch-Site": "same-origin", "Origin": "http://testserver"}, 401),
        ({}, 401),
    ],
)
def test_state_changing_requests_from_another_site_are_refused(
    client: TestClient, headers: dict[str, str], status: int
) -> None:
    """A POST from a foreign origin (by Origin or Sec-Fetch-Site) gets 403 before it is handled;
    the same origin, or a script sending neither header, reaches the route (401 here)."""
    response = client.post(
        "/api/v1/auth/login", json={"username": "x", "password": "wrong"}, headers=headers
    )
    assert response.status_code == status
    if status == 403:
        assert "andere website" in response.json()["detail"]


def test_nul_in_a_query_is_a_400(client: TestClient, headers: dict[Role, dict[str, str]]) -> None:
    """A NUL byte in a query parameter is refused with 400, not a database error."""
    response = client.get("/api/v1/bins?district=%00", headers=headers[Role.COORDINATOR])
    assert response.status_code == 400


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


def test_login_and_health_survive_a_database_restart() -> None:
    """After PostgreSQL crashes and comes back, the pooled connections are checked and replaced:
    the very next /health and login answer 200, not 500."""
    workdir = Path(tempfile.mkdtemp(prefix="nettestad-pg-"))  # the postgres user must reach it
    server = PrivatePostgres(workdir)
    server.start()
    try:
        url = with_database(server.server_url, "nettestad")
        upgrade(url, timescale=TimescaleMode.OFF)
        with psycopg.connect(url) as conn:
            create_user(conn=conn, username="crew9", password=PASSWORD, role=Role.CREW)
        settings = ApiSettings(database_url=SecretStr(url), pool_min=2, pool_max=3)
        with TestClient(create_app(settings)) as client:
            assert client.get("/health").status_code == 200
            server.restart()
            assert client.get("/health").status_code == 200
            body = {"username": "crew9", "password": PASSWORD}
            assert client.post("/api/v1/auth/login", json=body).status_code == 200
    finally:
        server.stop("immediate")
        shutil.rmtree(workdir, ignore_errors=True)
