"""Schemathesis against the OpenAPI schema: no input, logged in as the right role, gives a 5xx."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from schemathesis.core.result import Ok

from api.auth import Role
from db.conn import drop_database, with_database
from db.migrate import upgrade
from tests.api.conftest import PASSWORD
from tests.browser.conftest import LiveServer  # reuse the live server parts
from tests.helpers import RecordingSender

pytestmark = pytest.mark.slow
EXAMPLES = 8
ROLE_BY_PREFIX = [
    ("/api/v1/crew/actions", Role.CREW),
    ("/api/v1/crew/problems", Role.COORDINATOR),
    ("/api/v1/crew", Role.CREW),
    ("/api/v1/enforcement", Role.ENFORCEMENT),
    ("/api/v1/audit", Role.ADMIN),
    ("/api/v1/admin", Role.ADMIN),
    ("/api/v1", Role.COORDINATOR),
]


def _role_for(method: str, path: str) -> Role:
    if method == "POST" and path == "/api/v1/crew/problems":
        return Role.CREW
    return next(role for prefix, role in ROLE_BY_PREFIX if path.startswith(prefix))


@pytest.fixture(scope="module")
def fuzz_server(server_url: str, tmp_path_factory: pytest.TempPathFactory) -> Iterator[Any]:
    """One database and one running app for every operation of the schema."""
    import psycopg
    from argon2 import PasswordHasher
    from pydantic import SecretStr

    import api.auth
    from api.app import create_app
    from api.evidence_access import DirectoryEvidence
    from api.settings import ApiSettings
    from tests.helpers import served

    url = with_database(server_url, f"nettestad_test_{uuid.uuid4().hex[:12]}")
    upgrade(url)
    original = api.auth._hasher
    api.auth._hasher = PasswordHasher(time_cost=1, memory_cost=1024)
    with psycopg.connect(url, autocommit=True) as conn:
        for role in Role:
            api.auth.create_user(
                conn=conn,
                username=f"{role.value}1",
                password=PASSWORD,
                role=role,
                vehicle_id="veh-1" if role is Role.CREW else None,
            )
    evidence = Path(tmp_path_factory.mktemp("evidence"))
    settings = ApiSettings(
        database_url=SecretStr(url), pool_min=1, pool_max=4, evidence_dir=str(evidence)
    )
    app = create_app(
        settings, evidence_files=DirectoryEvidence(evidence), commands=RecordingSender()
    )
    import httpx

    with served(app) as base:
        tokens = {}
        for role in Role:
            answer = httpx.post(
                f"{base}/api/v1/auth/login",
                json={"username": f"{role.value}1", "password": PASSWORD},
            )
            tokens[role] = answer.json()["token"]
        yield LiveServer(url=base, evidence_dir=evidence, commands=[]), app, tokens
    api.auth._hasher = original
    drop_database(url)


def _fuzz(operation: Any, base_url: str, headers: dict[str, str], failures: list[str]) -> None:
    """Send generated requests for one operation; remember every 5xx."""

    @settings(
        max_examples=EXAMPLES,
        deadline=None,
        database=None,
        derandomize=True,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=list(HealthCheck),
    )
    @given(operation.as_strategy())
    def call(case: Any) -> None:
        response = case.call(base_url=base_url, headers=headers, timeout=60)
        if response.status_code >= 500:
            failures.append(
                f"{case.method} {case.formatted_path} -> {response.status_code}: "
                f"{response.text[:200]} ({case.as_curl_command()})"
            )

    call()


def test_no_operation_answers_with_a_server_error(fuzz_server: Any) -> None:
    """Generated requests for every operation, sent with a permitted role's token, never get a 5xx."""
    live, app, tokens = fuzz_server
    schema = schemathesis.openapi.from_dict(app.openapi())
    failures: list[str] = []
    operations = []
    for result in schema.get_all_operations():
        assert isinstance(result, Ok), result.err()  # an operation the schema cannot describe
        operations.append(result.ok())
    assert len(operations) >= 30
    for operation in operations:
        method = operation.method.upper()
        if operation.path in {"/api/v1/auth/login", "/api/v1/auth/logout"}:
            headers: dict[str, str] = {}
        elif operation.path.startswith("/api/"):
            headers = {"Authorization": f"Bearer {tokens[_role_for(method, operation.path)]}"}
        else:
            headers = {}

        _fuzz(operation, live.url, headers, failures)
    assert not failures, "\n".join(failures[:20])
