"""A crew's sheet for one day, assembled from planned stops, extra stops and the crew's actions.

Pure functions over rows, so the ordering and the change marker are tested without a database.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time
from typing import Literal
from urllib.parse import quote
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict

from db.crew import ExtraStopRow, PlannedStopRow, StopActionRow

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


@dataclass(frozen=True, slots=True)
class SheetRow:
    """A planned or an extra stop in one shape, before the crew's actions are added."""

    ref: str
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
    fixed_visit_id: int | None


def _stop(row: SheetRow, seq: int, actions: dict[str, StopActionRow]) -> SheetStop:
    act = actions.get(row.ref)
    return SheetStop(
        ref=row.ref,
        seq=seq,
        kind=row.kind,
        label=row.label,
        lat=row.lat,
        lon=row.lon,
        bin_id=row.bin_id,
        event_id=row.event_id,
        container_type=row.container_type,
        district=row.district,
        predicted_fill=row.predicted_fill,
        window_start=row.window_start,
        window_end=row.window_end,
        eta=row.eta,
        added_during_day=row.added_during_day,
        status="open" if act is None else act.action,  # type: ignore[arg-type]  # the table's CHECK
        fill_seen=None if act is None else act.fill_seen,
        skip_reason=None if act is None else act.skip_reason,
        volume_l=None if act is None else act.volume_l,
        navigation_url=navigation_url(row.lat, row.lon, row.label),
    )


def _at(day: date, clock: time | None) -> datetime | None:
    return datetime.combine(day, clock, BRUSSELS) if clock is not None else None


def planned_rows(planned: Iterable[PlannedStopRow], day: date) -> list[SheetRow]:
    """Plan stops with sheet references: ``bin:<id>``, ``fixed:<id>``, ``unload:<site>:<seq>``."""
    rows = []
    for p in planned:
        kind = p.kind
        if kind == "bin":
            ref = f"bin:{p.plan_ref}"
        elif kind == "fixed":
            ref = p.plan_ref
            kind = p.fixed_kind or "fixed"
        else:
            ref = f"unload:{p.plan_ref}:{p.seq}"
        rows.append(
            SheetRow(
                ref=ref,
                kind=kind,
                label=p.label,
                lat=p.lat,
                lon=p.lon,
                bin_id=p.bin_id,
                event_id=None,
                container_type=p.container_type,
                district=p.district,
                predicted_fill=p.predicted_fill,
                window_start=_at(day, p.opens),
                window_end=_at(day, p.closes),
                eta=p.eta,
                added_during_day=False,
                fixed_visit_id=p.fixed_visit_id,
            )
        )
    return rows


def extra_rows(extras: Iterable[ExtraStopRow]) -> list[SheetRow]:
    """Extra stops in the shape of planned ones."""
    return [
        SheetRow(
            ref=f"extra:{e.id}",
            kind=e.kind,
            label=e.label,
            lat=e.lat,
            lon=e.lon,
            bin_id=e.bin_id,
            event_id=e.event_id,
            container_type=e.container_type,
            district=e.district,
            predicted_fill=e.filling_level,
            window_start=None,
            window_end=None,
            eta=None,
            added_during_day=True,
            fixed_visit_id=e.fixed_visit_id,
        )
        for e in extras
    ]


def assemble(
    planned: list[SheetRow], extras: list[ExtraStopRow], actions: list[StopActionRow]
) -> tuple[list[SheetStop], str]:
    """The sheet's stops in driving order and a version that changes whenever the stops do.

    ``planned`` comes from :func:`planned_rows`. Planned stops keep the planner's order; stops
    added during the day follow, oldest first. The version covers only which stops are on the
    sheet and in what order, so a crew's own actions do not look like a plan change.
    """
    by_ref = {a.stop_ref: a for a in actions}
    in_plan = {p.fixed_visit_id for p in planned if p.fixed_visit_id is not None}
    rows = [*planned, *extra_rows(e for e in extras if e.fixed_visit_id not in in_plan)]
    stops = [_stop(row, i + 1, by_ref) for i, row in enumerate(rows)]
    digest = hashlib.sha256("\n".join(s.ref for s in stops).encode()).hexdigest()[:16]
    return stops, digest
