"""Route lines along the roads from an OSRM server, and straight lines without one."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import httpx
import psycopg
from fastapi.testclient import TestClient

from api import road_lines
from api.auth import Role
from tests.api.seed import seed_city, seed_plan

ROUTE = json.loads((Path(__file__).parents[1] / "fixtures" / "osrm_route.json").read_text())
STOPS = [(50.828, 3.265), (50.8245, 3.264)]


def test_the_line_follows_the_roads_osrm_answers() -> None:
    """OSRM's GeoJSON geometry (lon, lat) becomes the line (lat, lon), asked for in stop order."""
    asked: list[httpx.Request] = []

    def osrm(request: httpx.Request) -> httpx.Response:
        asked.append(request)
        return httpx.Response(200, json=ROUTE)

    line = road_lines.along_roads(
        STOPS, base_url="http://osrm.test", transport=httpx.MockTransport(osrm)
    )
    assert line.source == "roads"
    assert line.coordinates[0] == (50.828, 3.265)
    assert len(line.coordinates) == 5
    assert asked[0].url.path == "/route/v1/driving/3.265000,50.828000;3.264000,50.824500"
    assert asked[0].url.params["geometries"] == "geojson"


def test_a_failing_osrm_server_gives_straight_lines() -> None:
    """An error answer or an unreachable server leaves the straight line between the stops."""
    failing = httpx.MockTransport(lambda _r: httpx.Response(400, json={"code": "InvalidQuery"}))
    assert road_lines.along_roads(STOPS, base_url="http://osrm.test", transport=failing).source == (
        "straight"
    )

    def unreachable(request: httpx.Request) -> httpx.Response:
        raise httpx.ConnectError("refused", request=request)

    line = road_lines.along_roads(
        STOPS, base_url="http://osrm.test", transport=httpx.MockTransport(unreachable)
    )
    assert line.source == "straight"
    assert line.coordinates == STOPS


def test_without_an_osrm_server_the_crew_gets_straight_lines(
    client: TestClient,
    headers: dict[Role, dict[str, str]],
    db: psycopg.Connection[tuple[Any, ...]],
) -> None:
    """The sheet's line endpoint answers straight lines through the stops when no OSRM is set."""
    seed_city(db)
    seed_plan(db, vehicle_id="veh-1")
    body = client.get("/api/v1/crew/route/lines", headers=headers[Role.CREW]).json()
    assert body["source"] == "straight"
    assert len(body["coordinates"]) == 3
    sheet = client.get("/api/v1/crew/route", headers=headers[Role.CREW]).json()
    assert body["version"] == sheet["version"]
