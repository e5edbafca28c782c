"""Importing bins: check the whole file, then store every line or none (the API and CLI share it)."""

from __future__ import annotations

from dataclasses import dataclass, field

from api import registry_bins_queries as bq
from api import registry_io as rio
from api.deps import Conn


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
