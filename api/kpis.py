"""The city's figures by week or month, merged from the crews', the sensors' and the cameras' rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence
from dataclasses import asdict
from datetime import date
from decimal import Decimal
from typing import Any

from db.kpis import CrewFigures, DumpingFigures, PlannedFigures, SensorFigures

COLUMNS = (
    "period_start",
    "collections_done",
    "stops_skipped",
    "extra_stops_planned",
    "litter_volume_l",
    "litres_sensor_l",
    "litres_estimate_l",
    "collections_litres_sensor",
    "avg_fill_at_collection",
    "collections_sensed",
    "avg_sensed_fill_before_collection",
    "overflow_hours",
    "bins_with_abuse",
    "dumping_detections",
    "dumping_confirmed",
    "dumps_cleared",
    "dumping_volume_l",
    "median_hours_to_cleanup",
)
COUNTS = frozenset(
    {
        "collections_done",
        "stops_skipped",
        "extra_stops_planned",
        "collections_litres_sensor",
        "collections_sensed",
        "bins_with_abuse",
        "dumping_detections",
        "dumping_confirmed",
        "dumps_cleared",
    }
)

# What each figure counts, in the words the page shows (Dutch, English).
DEFINITIONS: dict[str, tuple[str, str]] = {
    "period_start": (
        "Eerste dag van de week (maandag) of maand, Brusselse tijd.",
        "First day of the week (Monday) or month, Brussels time.",
    ),
    "collections_done": (
        "Vuilbakken geledigd: één per halte per dag, wie ze ook afvinkt (de laatste actie telt).",
        "Bins emptied: one per stop per day, whoever marks it (the latest action counts).",
    ),
    "stops_skipped": (
        "Haltes waarvan de laatste actie 'overgeslagen' is.",
        "Stops whose latest action is 'skipped'.",
    ),
    "extra_stops_planned": (
        "Haltes die buiten de planner op een routeblad kwamen (sluikstort, meldingen).",
        "Stops put on a sheet outside the planner (dumping, reports).",
    ),
    "litter_volume_l": (
        (
            "Liter afval: per lediging het volume van de bak maal de vulgraad vóór lediging "
            "volgens de sensor als die binnen 3 uur een lediging zag, anders volgens de tik van "
            "de ploeg (leeg 0, half 0,5, vol 1, overvol 1,25)."
        ),
        (
            "Litres: per collection the bin's volume times the fill before emptying from the "
            "sensor when it saw a collection within 3 hours, otherwise from the crew's tap "
            "(empty 0, half 0.5, full 1, overflowing 1.25)."
        ),
    ),
    "litres_sensor_l": (
        "Het deel van de liters gemeten door de sensor (vulgraad vóór lediging).",
        "The part of the litres measured by the sensor (fill before emptying).",
    ),
    "litres_estimate_l": (
        "Het deel van de liters geschat uit de tik van de ploeg.",
        "The part of the litres estimated from the crew's tap.",
    ),
    "collections_litres_sensor": (
        "Ledigingen waarvan de liters van de sensor komen.",
        "Collections whose litres come from the sensor.",
    ),
    "avg_fill_at_collection": (
        "Gemiddelde vulgraad die de ploeg zag bij lediging.",
        "Average fill the crew saw at collection.",
    ),
    "collections_sensed": (
        "Ledigingen die de sensoren zagen (sprong in de vulcurve).",
        "Collections the sensors saw (a drop in the fill curve).",
    ),
    "avg_sensed_fill_before_collection": (
        "Gemiddelde vulgraad vlak vóór een door de sensor geziene lediging.",
        "Average fill just before a collection the sensor saw.",
    ),
    "overflow_hours": (
        "Uren dat vuilbakken vol of overvol stonden (volgens de sensor).",
        "Hours bins stood full or overflowing (from the sensor).",
    ),
    "bins_with_abuse": (
        "Vuilbakken met een plotse sprong in vulgraad (huisvuil in een straatvuilbak).",
        "Bins with a sudden jump in fill (household waste in a street bin).",
    ),
    "dumping_detections": (
        "Sluikstorten die de camera's meldden.",
        "Dumpings the cameras reported.",
    ),
    "dumping_confirmed": (
        "Sluikstorten die handhaving bevestigde.",
        "Dumpings enforcement confirmed.",
    ),
    "dumps_cleared": (
        "Sluikstorthaltes die een ploeg opruimde (één per halte per dag).",
        "Dumping stops a crew cleared (one per stop per day).",
    ),
    "dumping_volume_l": (
        "Liter sluikstort opgeruimd, zoals de ploeg het schatte bij het opruimen.",
        "Litres of dumping cleared, as the crew estimated when clearing it.",
    ),
    "median_hours_to_cleanup": (
        "Mediaan van de uren tussen de detectie en het opruimen door een ploeg.",
        "Median hours between the detection and a crew clearing it.",
    ),
}


PeriodFigures = CrewFigures | PlannedFigures | SensorFigures | DumpingFigures


def merge(*sources: Sequence[PeriodFigures]) -> list[dict[str, Any]]:
    """One row per period with every figure (missing figures: 0 for counts, None for averages)."""
    periods: dict[date, dict[str, Any]] = {}
    for rows in sources:
        for row in rows:
            target = periods.setdefault(row.period, {"period_start": row.period})
            target.update({k: v for k, v in asdict(row).items() if k != "period"})
    merged = []
    for start in sorted(periods):
        figures = periods[start]
        out: dict[str, Any] = {}
        for column in COLUMNS:
            value = figures.get(column)
            if value is None and column in COUNTS:
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
