"""What the city knows of its registered dumping hotspots when it plans a day: the plain-data
side of the morning plan's hotspot checks (``routing.dumps.hotspot_checks`` prices them).

A dump report within :data:`NEAR_M` of a hotspot is one of its dumps (a camera's report, or one
its camera missed: a crew's or a citizen's); a stop a crew marked done that close is a crew
passing it.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from routing.dumps import HotspotWatch, watch_of
from routing.matrix import great_circle_m

NEAR_M = 150.0  # a crew at a stop this close sees a dump at the hotspot


@dataclass(frozen=True, slots=True)
class Spot:
    """A registered hotspot."""

    hotspot_id: str
    area: str
    lat: float
    lon: float


@dataclass(frozen=True, slots=True)
class Seen:
    """A dump report: where and when, whether a camera made it, whether it is still open."""

    lat: float
    lon: float
    reported_at: datetime
    camera: bool
    open: bool


def watches(
    spots: Sequence[Spot],
    *,
    reports: Sequence[Seen],
    passes: Sequence[tuple[datetime, float, float]],
    history_from: datetime,
    now: datetime,
    near_m: float = NEAR_M,
) -> list[HotspotWatch]:
    """Each hotspot's watch at ``now``: the reports from ``history_from`` on that lie nearest to
    it within ``near_m`` (a report counts for one hotspot only), the last crew pass within
    ``near_m``, and whether a report there is still open."""
    mine: dict[str, list[Seen]] = {s.hotspot_id: [] for s in spots}
    for r in reports:
        near = [(great_circle_m((r.lat, r.lon), (s.lat, s.lon)), s.hotspot_id) for s in spots]
        metres, nearest = min(near, default=(near_m + 1, ""))
        if metres <= near_m:
            mine[nearest].append(r)
    out = []
    for s in spots:
        seen = [
            at
            for at, lat, lon in passes
            if at <= now and great_circle_m((lat, lon), (s.lat, s.lon)) <= near_m
        ]
        history = [r for r in mine[s.hotspot_id] if history_from <= r.reported_at <= now]
        out.append(
            watch_of(
                s.hotspot_id,
                s.area,
                s.lat,
                s.lon,
                reported=[(r.reported_at, r.camera) for r in history],
                history_from=history_from,
                now=now,
                last_seen=max(seen, default=None),
                open_dump=any(r.open for r in mine[s.hotspot_id]),
            )
        )
    return out
