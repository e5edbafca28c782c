"""The morning plan's look at the registered dumping hotspots.

A camera misses some dumps, and a citizen may report one a day later, so a hotspot no crew has
passed for a while becomes an optional stop whose prize is what the dumps that may lie there
unseen would cost (:func:`hotspot_checks`); a crew passing notes what it finds, and same-day
dispatch takes it from there. :class:`HotspotWatch` holds what a hotspot's history says
(:func:`watch_of`); :func:`watches` builds them from plain data: a dump report within
:data:`NEAR_M` of a hotspot is one of its dumps (a camera's report, or one its camera missed: a
crew's or a citizen's), and a stop a crew marked done that close is a crew passing it.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime

from routing.matrix import great_circle_m

NEAR_M = 150.0  # a crew at a stop this close sees a dump at the hotspot
# Hotspot checks: a crew slows down at the hotspot and looks; what a dump a camera missed costs
# the city when it is found a day or more late (a complaint, more dumped beside it); how far
# back an unseen dump is counted (a citizen reports most within a day or two).
CHECK_SERVICE_S = 60
LATE_DUMP_EUR = 30.0
UNSEEN_HOURS = 72.0
MIN_CHECK_EUR = 0.5  # a smaller prize is not offered (the planner has enough to weigh)


@dataclass(frozen=True, slots=True)
class HotspotWatch:
    """What the city knows about one registered dumping hotspot when it plans."""

    hotspot_id: str
    area: str
    lat: float
    lon: float
    dumps_per_week: float  # from its history of reported dumps (see :func:`watch_of`)
    missed_share: float  # of its dumps, the share its camera did not report
    last_seen: datetime | None  # when a crew last passed it (a stop nearby, a cleanup, a check)
    open_dump: bool = False  # a known dump there is on the plan already: its cleanup looks


@dataclass(frozen=True, slots=True)
class Check:
    """A look at a hotspot offered to the day's plan, with its prize (euro)."""

    hotspot_id: str
    lat: float
    lon: float
    prize_eur: float


def watch_of(
    hotspot_id: str,
    area: str,
    lat: float,
    lon: float,
    *,
    reported: Sequence[tuple[datetime, bool]],
    history_from: datetime,
    now: datetime,
    last_seen: datetime | None,
    open_dump: bool = False,
) -> HotspotWatch:
    """A hotspot's watch from its history: ``reported`` is every dump reported there since
    ``history_from`` (when, and whether its camera reported it). The rate and the camera's miss
    share start from a prior (a dump a week, one in ten missed) that the history outweighs."""
    weeks = max((now - history_from).total_seconds() / (7 * 86400), 0.0)
    rate = (len(reported) + 2.0) / (weeks + 2.0)
    missed = sum(1 for _, camera in reported if not camera)
    share = (missed + 1.0) / (len(reported) + 10.0)
    return HotspotWatch(hotspot_id, area, lat, lon, rate, share, last_seen, open_dump)


def hotspot_checks(
    watches: Sequence[HotspotWatch],
    *,
    at: datetime,
    served: Callable[[str], bool] | None = None,
    late_dump_eur: float = LATE_DUMP_EUR,
) -> list[Check]:
    """The hotspots worth a look in a plan whose crews pass around ``at``, each with its prize.

    The prize is ``late_dump_eur`` times the chance that a dump the camera missed lies there
    unseen: its missed dumps arrive at ``dumps_per_week`` times ``missed_share``, counted since a
    crew last passed (at most :data:`UNSEEN_HOURS`). The planner takes a look when its detour
    costs less. Only hotspots in an area ``served`` today are offered (a crew is there anyway;
    None: every area), and a hotspot whose known dump is on the plan needs no look.
    """
    out = []
    for w in watches:
        if w.open_dump or (served is not None and not served(w.area)):
            continue
        hours = (
            UNSEEN_HOURS
            if w.last_seen is None
            else min(max((at - w.last_seen).total_seconds() / 3600, 0.0), UNSEEN_HOURS)
        )
        expected = w.dumps_per_week / 168 * w.missed_share * hours
        prize = late_dump_eur * (1 - math.exp(-expected))
        if prize >= MIN_CHECK_EUR:
            out.append(Check(w.hotspot_id, w.lat, w.lon, prize))
    return out


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
