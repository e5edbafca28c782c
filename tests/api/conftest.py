"""API fixtures: the app on this test's database, and one account per role."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.auth import Role, create_user
from api.settings import ApiSettings

PASSWORD = "correct horse battery"  # noqa: S105 - a test account's password


@pytest.fixture(autouse=True)
def cheap_password_hashing(monkeypatch: pytest.MonkeyPatch) -> None:
    """Argon2id with small parameters, so tests spend their time on behaviour, not on hashing."""
    from argon2 import PasswordHasher

    monkeypatch.setattr("api.auth._hasher", PasswordHasher(time_cost=1, memory_cost=1024))


@pytest.fixture
def api_settings(database_url: str) -> ApiSettings:
    """API settings pointing at this test's database."""
    return ApiSettings(database_url=SecretStr(database_url), pool_min=1, pool_max=4)


@pytest.fixture
def accounts(db: psycopg.Connection[tuple[Any, ...]]) -> dict[Role, str]:
    """One account per role (the crew drives vehicle ``veh-1``); role → username."""
    names = {}
    for role in Role:
        name = f"{role.value}1"
        create_user(
            conn=db,
            username=name,
            password=PASSWORD,
            role=role,
            vehicle_id="veh-1" if role is Role.CREW else None,
        )
        names[role] = name
    return names


@pytest.fixture
def client(api_settings: ApiSettings) -> Iterator[TestClient]:
    """An in-process client of the app, nobody logged in."""
    with TestClient(create_app(api_settings)) as test_client:
        yield test_client


def login(client: TestClient, username: str, password: str = PASSWORD) -> dict[str, str]:
    """Log in and return the bearer header for that session."""
    response = client.post("/api/v1/auth/login", json={"username": username, "password": password})
    assert response.status_code == 200, response.text
    client.cookies.clear()  # the caller chooses the header, so the cookie must not leak in
    return {"Authorization": f"Bearer {response.json()['token']}"}


@pytest.fixture
def headers(client: TestClient, accounts: dict[Role, str]) -> dict[Role, dict[str, str]]:
    """A logged-in bearer header for every role."""
    return {role: login(client, name) for role, name in accounts.items()}
