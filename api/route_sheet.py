"""A crew's sheet for one day, assembled from planned stops, extra stops and the crew's actions.

Pure functions over rows, so the ordering and the change marker are tested without a database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from datetime import UTC, date, datetime, time
from typing import Any, Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

BRUSSELS = ZoneInfo("Europe/Brussels")


def today_in_brussels(now: datetime | None = None) -> date:
    """The city's calendar day (a shift at 00:30 local time belongs to that local day)."""
    return (now or datetime.now(UTC)).astimezone(BRUSSELS).date()


def navigation_url(lat: float, lon: float, label: str) -> str:
    """A ``geo:`` link: the phone opens its own navigation app on it."""
    return f"geo:{lat:.6f},{lon:.6f}?q={lat:.6f},{lon:.6f}({quote(label)})"


class SheetStop(BaseModel):
    """One stop on the sheet, with what the crew did there (also the API's response shape)."""

    model_config = ConfigDict(frozen=True)

    ref: str
    seq: int
    kind: str
    label: str
    lat: float
    lon: float
    bin_id: str | None
    event_id: str | None
    container_type: str | None
    district: str | None
    predicted_fill: float | None
    window_start: datetime | None
    window_end: datetime | None
    eta: datetime | None
    added_during_day: bool
    status: Literal["open", "done", "skipped"]
    fill_seen: str | None
    skip_reason: str | None
    volume_l: int | None = None
    navigation_url: str


def _stop(row: dict[str, Any], seq: int, actions: dict[str, dict[str, Any]]) -> SheetStop:
    ref = row["ref"]
    act = actions.get(ref, {})
    return SheetStop(
        ref=ref,
        seq=seq,
        kind=row["kind"],
        label=row["label"],
        lat=float(row["lat"]),
        lon=float(row["lon"]),
        bin_id=row.get("bin_id"),
        event_id=row.get("event_id"),
        container_type=row.get("container_type"),
        district=row.get("district"),
        predicted_fill=row.get("predicted_fill"),
        window_start=row.get("window_start"),
        window_end=row.get("window_end"),
        eta=row.get("eta"),
        added_during_day=bool(row.get("added_during_day")),
        status=act.get("action", "open"),
        fill_seen=act.get("fill_seen"),
        skip_reason=act.get("skip_reason"),
        volume_l=act.get("volume_l"),
        navigation_url=navigation_url(float(row["lat"]), float(row["lon"]), row["label"]),
    )


def _at(day: date, clock: time | None) -> datetime | None:
    return datetime.combine(day, clock, BRUSSELS) if clock is not None else None


def planned_rows(planned: Iterable[dict[str, Any]], day: date) -> list[dict[str, Any]]:
    """Plan stops with sheet references: ``bin:<id>``, ``fixed:<id>``, ``unload:<site>:<seq>``."""
    rows = []
    for p in planned:
        kind = p["kind"]
        if kind == "bin":
            ref = f"bin:{p['plan_ref']}"
        elif kind == "fixed":
            ref = str(p["plan_ref"])
            kind = p.get("fixed_kind") or "fixed"
        else:
            ref = f"unload:{p['plan_ref']}:{p['seq']}"
        rows.append(
            {
                **p,
                "ref": ref,
                "kind": kind,
                "window_start": _at(day, p.get("opens")),
                "window_end": _at(day, p.get("closes")),
                "added_during_day": False,
            }
        )
    return rows


def extra_rows(extras: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Extra stops in the shape of planned ones."""
    return [
        {
            **e,
            "ref": f"extra:{e['id']}",
            "predicted_fill": e.get("filling_level"),
            "added_during_day": True,
        }
        for e in extras
    ]


def assemble(
    planned: list[dict[str, Any]], extras: list[dict[str, Any]], actions: list[dict[str, Any]]
) -> tuple[list[SheetStop], str]:
    """The sheet's stops in driving order and a version that changes whenever the stops do.

    ``planned`` comes from :func:`planned_rows`. Planned stops keep the planner's order; stops added during the day follow, oldest first. The
    version covers only which stops are on the sheet and in what order, so a crew's own actions
    do not look like a plan change.
    """
    by_ref = {a["stop_ref"]: a for a in actions}
    in_plan = {p.get("fixed_visit_id") for p in planned if p.get("fixed_visit_id") is not None}
    rows = [*planned, *extra_rows(e for e in extras if e.get("fixed_visit_id") not in in_plan)]
    stops = [_stop(row, i + 1, by_ref) for i, row in enumerate(rows)]
    digest = hashlib.sha256("\n".join(s.ref for s in stops).encode()).hexdigest()[:16]
    return stops, digest
