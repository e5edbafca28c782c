"""Importing bins: check the whole file, then store every line or none (the API and CLI share it)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from api import registry_io as rio
from db import Conn
from db import bins as bq
from db import fleet as fq
from db import sites as sq


@dataclass(frozen=True, slots=True)
class ImportReport:
    """The result of an import: stored (``created``/``updated``) or refused with its problems."""

    stored: bool
    lines: int
    message: str
    created: int = 0
    updated: int = 0
    problems: list[rio.Problem] = field(default_factory=list)
    more_problems: int = 0


def import_bins(*, conn: Conn, data: bytes, fmt: rio.Format, dry_run: bool) -> ImportReport:
    """Check a file and, unless it has problems or this is a dry run, store it in ``conn``'s
    transaction (UniqueViolation and the like propagate; the caller's rollback stores nothing)."""
    parsed = rio.parse_bins(data, fmt)
    if parsed.problems:
        total = len(parsed.problems) + parsed.more_problems
        return ImportReport(
            stored=False,
            lines=parsed.lines,
            message=f"{total} {'probleem' if total == 1 else 'problemen'} in {parsed.lines} "
            "regels; niets opgeslagen",
            problems=parsed.problems,
            more_problems=parsed.more_problems,
        )
    if dry_run:
        return ImportReport(
            stored=False,
            lines=parsed.lines,
            message=f"{parsed.lines} regels in orde (proef, niets opgeslagen)",
        )
    counts = bq.upsert_many(conn=conn, records=parsed.rows)
    return ImportReport(
        stored=True,
        lines=parsed.lines,
        message=f"{counts.created} toegevoegd, {counts.updated} bijgewerkt",
        created=counts.created,
        updated=counts.updated,
    )


Kind = Literal["bins", "hotspots", "sensors", "vehicles", "depots", "disposal-sites", "crews"]
KINDS: tuple[Kind, ...] = (
    "bins",
    "hotspots",
    "sensors",
    "vehicles",
    "depots",
    "disposal-sites",
    "crews",
)
# kind: (fields, Dutch plural, row type) for the kinds stored with one upsert by id
FLEET: dict[str, tuple[dict[str, rio.Field], str, type[fq.Row]]] = {
    "vehicles": (rio.VEHICLE_FIELDS, "voertuigen", fq.VehicleRow),
    "depots": (rio.DEPOT_FIELDS, "depots", fq.DepotRow),
    "disposal-sites": (rio.DISPOSAL_SITE_FIELDS, "stortplaatsen", fq.DisposalSiteRow),
    "crews": (rio.CREW_FIELDS, "ploegen", fq.CrewRow),
}


def _refused(table: rio.Table | None, problems: list[rio.Problem], lines: int) -> ImportReport:
    more = table.more_problems if table is not None else 0
    total = len(problems) + more
    return ImportReport(
        stored=False,
        lines=lines,
        message=f"{total} {'probleem' if total == 1 else 'problemen'} in {lines} regels; "
        "niets opgeslagen",
        problems=problems,
        more_problems=more,
    )


def _sensor_problems(conn: Conn, table: rio.Table, lines: list[int]) -> list[rio.Problem]:
    """What the database says against pairing these sensors with these bins."""
    devices = [r["device_id"] for r in table.rows]
    bins = [r["bin_id"] for r in table.rows]
    known_bins = sq.known_ids(conn=conn, table="bins", ids=bins)
    taken_devices = sq.known_ids(conn=conn, table="devices", ids=devices)
    occupied = sq.bins_with_sensor(conn=conn, bin_ids=bins)
    problems: list[rio.Problem] = []
    first_line_of_bin: dict[str, int] = {}
    for line, row in zip(lines, table.rows, strict=True):
        bin_id = row["bin_id"]
        if row["device_id"] in taken_devices:
            problems.append(rio.Problem(line, "device_id", "deze sensor is al geregistreerd"))
        if bin_id not in known_bins:
            problems.append(rio.Problem(line, "bin_id", "geen vuilbak met dit id"))
        elif bin_id in occupied:
            problems.append(rio.Problem(line, "bin_id", "op deze vuilbak zit al een sensor"))
        elif bin_id in first_line_of_bin:
            problems.append(
                rio.Problem(
                    line, "bin_id", f"krijgt al een sensor op regel {first_line_of_bin[bin_id]}"
                )
            )
        first_line_of_bin.setdefault(bin_id, line)
    return problems


def import_kind(
    *, conn: Conn, kind: Kind, data: bytes, fmt: rio.Format, dry_run: bool, actor: str
) -> ImportReport:
    """Import bins, hotspots (by id, in place) or new sensors on bins: every line or none."""
    if kind == "bins":
        return import_bins(conn=conn, data=data, fmt=fmt, dry_run=dry_run)
    if kind in FLEET:
        spec, noun, row_type = FLEET[kind]
    else:
        spec, noun = (
            (rio.HOTSPOT_FIELDS, "hotspots")
            if kind == "hotspots"
            else (rio.SENSOR_FIELDS, "sensoren")
        )
    table = rio.parse_table(data, fmt, spec, noun)
    if table.problems:
        return _refused(table, table.problems, table.lines)
    if kind == "sensors":
        problems = _sensor_problems(conn, table, table.row_lines)
        if problems:
            return _refused(None, problems[: rio.MAX_PROBLEMS], table.lines)
    if dry_run:
        return ImportReport(
            stored=False,
            lines=table.lines,
            message=f"{table.lines} regels in orde (proef, niets opgeslagen)",
        )
    if kind in FLEET:
        created = fq.upsert_rows(conn=conn, rows=[row_type(**r) for r in table.rows])
    elif kind == "hotspots":
        created = sq.upsert_hotspots(conn=conn, rows=[sq.HotspotRow(**r) for r in table.rows])
    else:
        sq.install_sensors(
            conn=conn, pairs=[(r["device_id"], r["bin_id"]) for r in table.rows], actor=actor
        )
        created = len(table.rows)
    updated = len(table.rows) - created
    return ImportReport(
        stored=True,
        lines=table.lines,
        message=f"{created} toegevoegd, {updated} bijgewerkt",
        created=created,
        updated=updated,
    )
