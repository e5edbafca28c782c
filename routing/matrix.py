"""Travel distances and times between places, from a pluggable provider.

``GreatCircleProvider`` needs nothing but coordinates: great-circle distance times a detour factor,
at a speed that depends on the area (slow in the centre, faster in the villages) and on the length of
the leg (long legs use the ring and the arterial roads). ``OsrmProvider`` asks an OSRM server's
table service for real road distances and times.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Protocol

import httpx

LatLon = tuple[float, float]
EARTH_RADIUS_M = 6_371_008.8


class MatrixProvider(Protocol):
    """Anything that gives square distance (m) and duration (s) matrices between points."""

    def matrices(self, points: Sequence[LatLon]) -> tuple[list[list[int]], list[list[int]]]:
        """Distances in metres and durations in seconds, ``[from][to]``."""


def great_circle_m(a: LatLon, b: LatLon) -> float:
    """Distance along the earth's surface in metres (haversine)."""
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = (
        math.sin((lat2 - lat1) / 2) ** 2
        + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    )
    return 2 * EARTH_RADIUS_M * math.asin(min(1.0, math.sqrt(h)))


@dataclass(frozen=True, slots=True)
class SpeedZone:
    """An area where streets are slower, e.g. the pedestrian-heavy centre."""

    centre: LatLon
    radius_m: float
    speed_kmh: float


@dataclass(frozen=True, slots=True)
class GreatCircleProvider:
    """Road distance ≈ great-circle x ``detour``; speed by zone and by leg length."""

    detour: float = 1.35
    local_speed_kmh: float = 28.0
    arterial_speed_kmh: float = 50.0
    arterial_from_m: float = 3000.0  # legs longer than this mostly use the ring and main roads
    zones: tuple[SpeedZone, ...] = field(
        default=(SpeedZone((50.8277, 3.2650), 900.0, 16.0),)  # Kortrijk centre inside the ring
    )

    def _speed(self, a: LatLon, b: LatLon, road_m: float) -> float:
        speed = self.arterial_speed_kmh if road_m > self.arterial_from_m else self.local_speed_kmh
        for zone in self.zones:
            if (
                great_circle_m(a, zone.centre) <= zone.radius_m
                or great_circle_m(b, zone.centre) <= zone.radius_m
            ):
                # Inside the zone the slow speed holds for the part of the leg within it.
                inside = min(road_m, 2 * zone.radius_m)
                slow_s = inside / (zone.speed_kmh / 3.6)
                fast_s = (road_m - inside) / (speed / 3.6)
                return road_m / max(slow_s + fast_s, 1e-9) * 3.6
        return speed

    def matrices(self, points: Sequence[LatLon]) -> tuple[list[list[int]], list[list[int]]]:
        """Distances (m) and durations (s) between every pair of points."""
        n = len(points)
        dist = [[0] * n for _ in range(n)]
        dur = [[0] * n for _ in range(n)]
        for i in range(n):
            for j in range(i + 1, n):
                road = great_circle_m(points[i], points[j]) * self.detour
                if road == 0:  # two places at the same point (e.g. bins side by side)
                    continue
                seconds = road / (self._speed(points[i], points[j], road) / 3.6)
                dist[i][j] = dist[j][i] = round(road)
                dur[i][j] = dur[j][i] = round(seconds)
        return dist, dur


class OsrmError(RuntimeError):
    """The OSRM server refused or could not answer a table request."""


@dataclass(slots=True)
class OsrmProvider:
    """Road distances and times from an OSRM server's ``/table/v1`` service.

    Large requests are split into blocks of at most ``block`` sources and destinations, as OSRM
    servers limit the size of one table (``--max-table-size``, 100 by default).
    """

    base_url: str
    profile: str = "driving"
    block: int = 100
    timeout_s: float = 30.0
    transport: httpx.BaseTransport | None = None

    def matrices(self, points: Sequence[LatLon]) -> tuple[list[list[int]], list[list[int]]]:
        """Distances (m) and durations (s) between every pair of points."""
        n = len(points)
        dist = [[0] * n for _ in range(n)]
        dur = [[0] * n for _ in range(n)]
        with httpx.Client(
            base_url=self.base_url, timeout=self.timeout_s, transport=self.transport
        ) as client:
            for src0 in range(0, n, self.block):
                sources = list(range(src0, min(n, src0 + self.block)))
                for dst0 in range(0, n, self.block):
                    dests = list(range(dst0, min(n, dst0 + self.block)))
                    self._fill(client, points, sources, dests, dist, dur)
        return dist, dur

    def _fill(  # noqa: PLR0917 - a private step of matrices(), called from one place
        self,
        client: httpx.Client,
        points: Sequence[LatLon],
        sources: list[int],
        dests: list[int],
        dist: list[list[int]],
        dur: list[list[int]],
    ) -> None:
        ids = sorted(set(sources) | set(dests))
        pos = {p: k for k, p in enumerate(ids)}
        coords = ";".join(f"{points[p][1]:.6f},{points[p][0]:.6f}" for p in ids)
        response = client.get(
            f"/table/v1/{self.profile}/{coords}",
            params={
                "sources": ";".join(str(pos[s]) for s in sources),
                "destinations": ";".join(str(pos[d]) for d in dests),
                "annotations": "duration,distance",
            },
        )
        if response.status_code != 200:
            raise OsrmError(f"OSRM table answered {response.status_code}: {response.text[:200]}")
        body = response.json()
        if body.get("code") != "Ok":
            raise OsrmError(f"OSRM table failed: {body.get('code')} {body.get('message', '')}")
        durations, distances = body.get("durations"), body.get("distances")
        if durations is None or distances is None:
            raise OsrmError("OSRM table lacks durations or distances (annotations unsupported?)")
        for a, s in enumerate(sources):
            for b, d in enumerate(dests):
                # OSRM answers null for a pair it cannot route; treat it as unreachable.
                t, m = durations[a][b], distances[a][b]
                dur[s][d] = round(t) if t is not None else 10**7
                dist[s][d] = round(m) if m is not None else 10**8
