"""The city's figures by week or month, merged from the crews', the sensors' and the cameras' rows."""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

COLUMNS = (
    "period_start",
    "collections_done",
    "stops_skipped",
    "extra_stops_planned",
    "litter_volume_l",
    "avg_fill_at_collection",
    "collections_sensed",
    "avg_sensed_fill_before_collection",
    "overflow_hours",
    "bins_with_abuse",
    "dumping_detections",
    "dumping_confirmed",
    "median_hours_to_cleanup",
)


def merge(*sources: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """One row per period with every figure (missing figures: 0 for counts, None for averages)."""
    periods: dict[date, dict[str, Any]] = {}
    for rows in sources:
        for row in rows:
            target = periods.setdefault(row["period"], {"period_start": row["period"]})
            target.update({k: v for k, v in row.items() if k != "period"})
    counts = {
        "collections_done",
        "stops_skipped",
        "extra_stops_planned",
        "collections_sensed",
        "bins_with_abuse",
        "dumping_detections",
        "dumping_confirmed",
    }
    merged = []
    for start in sorted(periods):
        row = periods[start]
        out: dict[str, Any] = {}
        for column in COLUMNS:
            value = row.get(column)
            if value is None and column in counts:
                value = 0
            if isinstance(value, float | Decimal):
                value = round(float(value), 3)
            out[column] = value
        merged.append(out)
    return merged


def to_csv(rows: list[dict[str, Any]]) -> str:
    """The rows as CSV with a header (comma-separated, ISO dates, dot decimals)."""
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=list(COLUMNS), lineterminator="\n")
    writer.writeheader()
    for row in rows:
        writer.writerow({k: "" if v is None else v for k, v in row.items()})
    return buffer.getvalue()
