"""Every endpoint of the app against every role: only the intended roles get through."""

from __future__ import annotations

import re
import uuid
from collections.abc import Iterator
from typing import Any

import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute
from fastapi.testclient import TestClient

from api.auth import Role
from api.route_sheet import today_in_brussels

pytestmark = pytest.mark.slow
C, K, E, A = Role.CREW, Role.COORDINATOR, Role.ENFORCEMENT, Role.ADMIN
ALL = frozenset(Role)
# What each endpoint is meant for. Endpoints of other areas that are not listed here are checked
# against the roles they declare; an endpoint that declares none and is not public fails the test.
INTENDED: dict[tuple[str, str], frozenset[Role]] = {
    ("GET", "/api/v1/auth/me"): ALL,
    ("GET", "/api/v1/bins"): frozenset({C, K}),
    ("GET", "/api/v1/bins/{bin_id}/readings"): frozenset({K}),
    ("GET", "/api/v1/crew/route"): frozenset({C, K}),
    ("POST", "/api/v1/crew/actions"): frozenset({C}),
    ("POST", "/api/v1/crew/problems"): frozenset({C}),
    ("GET", "/api/v1/crew/problems"): frozenset({K}),
    ("GET", "/api/v1/crew/problems/{client_key}/photo"): frozenset({K}),
    ("GET", "/api/v1/coordinator/kpis"): frozenset({K}),
    ("GET", "/api/v1/coordinator/kpis.csv"): frozenset({K}),
    ("GET", "/api/v1/coordinator/ngsi-ld/waste-containers"): frozenset({K}),
    ("GET", "/api/v1/coordinator/thresholds"): frozenset({K}),
    ("PUT", "/api/v1/coordinator/thresholds/{container_type}"): frozenset({K}),
    ("GET", "/api/v1/coordinator/map"): frozenset({K}),
    ("GET", "/api/v1/coordinator/replan-events"): frozenset({K}),
    ("GET", "/api/v1/enforcement/queue"): frozenset({E}),
    ("GET", "/api/v1/enforcement/events/{event_id}"): frozenset({E}),
    ("GET", "/api/v1/enforcement/events/{event_id}/files/{name}"): frozenset({E}),
    ("POST", "/api/v1/enforcement/events/{event_id}/review"): frozenset({E}),
    ("POST", "/api/v1/enforcement/events/{event_id}/unblur"): frozenset({E}),
    ("GET", "/api/v1/enforcement/cases/{case_number}/bundle"): frozenset({E}),
    ("POST", "/api/v1/enforcement/cases/{case_number}/close"): frozenset({E}),
    ("GET", "/api/v1/enforcement/cameras"): frozenset({E}),
    ("GET", "/api/v1/audit"): frozenset({E, A}),
    ("GET", "/api/v1/servicedays"): frozenset({K}),
    ("PUT", "/api/v1/servicedays/{service}/{area}"): frozenset({K}),
    ("GET", "/api/v1/servicedays/proposal"): frozenset({K}),
    ("POST", "/api/v1/servicedays/proposal"): frozenset({K}),
}
PUBLIC = {
    ("GET", "/health"),
    ("POST", "/api/v1/auth/login"),
    ("POST", "/api/v1/auth/logout"),
    ("GET", "/metrics"),
}
# Devices authenticate with signed requests, never with a person's session.
DEVICE_PREFIXES = ("/api/v1/evidence", "/api/v1/devices/upload")
SAMPLE = {
    "bin_id": "kor-001",
    "event_id": "evt-unknown-01",
    "case_number": "SLK-2026-000999",
    "container_type": "glass",
    "client_key": str(uuid.uuid4()),
    "name": "before.png",
    "plan_id": "1",
    "alert_id": "1",
    "day": today_in_brussels().isoformat(),
    "vehicle_id": "veh-1",
    "crew_id": "ploeg-1",
    "device_id": "cam-heule-1",
    "service": "street",
    "area": "Centrum",
}


def _declared(dependant: Any) -> frozenset[Role] | None:
    """The roles a route's dependency tree admits (None: no role check)."""
    for dep in dependant.dependencies:
        allowed = getattr(dep.call, "allowed_roles", None)
        if allowed is not None:
            return frozenset(allowed)
        if getattr(dep.call, "__name__", "") == "current_user":
            return ALL
        found = _declared(dep)
        if found is not None:
            return found
    return None


def api_endpoints(app: FastAPI) -> Iterator[tuple[str, str, Any]]:
    """(method, path, dependant) for every API route, including those of included routers."""
    for route in app.routes:
        if isinstance(route, APIRoute):
            contexts: list[Any] = [route]
        elif hasattr(route, "effective_route_contexts"):
            contexts = list(route.effective_route_contexts())
        else:
            continue  # static files and mounts
        for ctx in contexts:
            if not ctx.path.startswith("/api/") and ctx.path not in {"/health", "/metrics"}:
                continue  # web pages are public shells; their data comes from the API
            for method in sorted(ctx.methods - {"HEAD"}):
                yield method, ctx.path, ctx.dependant


def test_every_endpoint_admits_only_its_roles(
    client: TestClient, headers: dict[Role, dict[str, str]]
) -> None:
    """Anonymous calls get 401, wrong roles 403, intended roles get past the check."""
    checked = 0
    unclassified = []
    for method, path, dependant in api_endpoints(client.app):  # type: ignore[arg-type]  # TestClient wraps our FastAPI app
        key = (method, path)
        url = re.sub(r"\{(\w+)(:\w+)?\}", lambda m: SAMPLE.get(m.group(1), "x"), path)
        declared = _declared(dependant)
        if key in PUBLIC:
            assert client.request(method, url).status_code not in {401, 403}, key
            continue
        if path.startswith(DEVICE_PREFIXES) and declared is None:
            for role in Role:
                response = client.request(method, url, headers=headers[role], json={})
                assert response.status_code >= 400, f"{key} accepted a {role} session"
            continue
        if declared is None:
            unclassified.append(key)
            continue
        intended = INTENDED.get(key, declared)
        assert declared == intended, f"{key} declares {set(declared)}, intended {set(intended)}"
        anonymous = client.request(method, url, json={})
        assert anonymous.status_code == 401, f"{key} without a session: {anonymous.status_code}"
        for role in Role:
            status = client.request(method, url, headers=headers[role], json={}).status_code
            if role in intended:
                assert status not in {401, 403}, f"{key} refused {role}: {status}"
            else:
                assert status == 403, f"{key} let {role} through: {status}"
        checked += 1
    assert not unclassified, f"endpoints without a role check: {unclassified}"
    assert checked >= len(INTENDED), "every intended endpoint was found and checked"
