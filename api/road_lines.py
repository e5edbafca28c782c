"""Route lines along the roads: an OSRM server's ``/route/v1`` geometry for a list of stops.

Without an OSRM server (or when it fails) the line is the straight one between the stops, and
the answer says so; the map draws it dashed.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Literal

import httpx

LatLon = tuple[float, float]
# OSRM's demo and default builds refuse routes with more waypoints than this (--max-viaroute-size).
MAX_WAYPOINTS = 500


@dataclass(frozen=True, slots=True)
class RouteLine:
    """The line to draw and where it came from."""

    source: Literal["roads", "straight"]
    coordinates: list[LatLon]


def straight(points: Sequence[LatLon]) -> RouteLine:
    """The stops joined by straight lines."""
    return RouteLine(source="straight", coordinates=list(points))


def along_roads(
    points: Sequence[LatLon],
    *,
    base_url: str,
    profile: str = "driving",
    timeout_s: float = 10.0,
    transport: httpx.BaseTransport | None = None,
) -> RouteLine:
    """The road geometry through the stops in order; straight lines when OSRM cannot answer."""
    if not base_url or len(points) < 2 or len(points) > MAX_WAYPOINTS:
        return straight(points)
    coords = ";".join(f"{lon:.6f},{lat:.6f}" for lat, lon in points)
    try:
        with httpx.Client(base_url=base_url, timeout=timeout_s, transport=transport) as client:
            response = client.get(
                f"/route/v1/{profile}/{coords}",
                params={"overview": "full", "geometries": "geojson", "steps": "false"},
            )
        body = response.json() if response.status_code == 200 else {}
    except (httpx.HTTPError, ValueError):
        return straight(points)
    routes = body.get("routes") if isinstance(body, dict) else None
    if body.get("code") != "Ok" or not routes:
        return straight(points)
    line = routes[0].get("geometry", {}).get("coordinates", [])
    try:
        coordinates = [(float(lat), float(lon)) for lon, lat, *_ in line]
    except (TypeError, ValueError):
        return straight(points)
    return RouteLine(source="roads", coordinates=coordinates) if coordinates else straight(points)
