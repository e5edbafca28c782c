"""Bins in and out as CSV and GeoJSON: pure parsing and checking, with a report per line.

Nothing here touches the database. :func:`parse_bins` turns a file into checked rows or into a
list of :class:`Problem` (line, field, Dutch message); the caller stores the rows only when the
list is empty, so an import is all-or-nothing. The ``id`` column is the city's own (external)
id: a re-import with the same id updates that bin in place.
"""

from __future__ import annotations

import csv
import io
import json
import math
import re
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Any, Literal

from db.bins import COLUMNS, BinRecord

Format = Literal["csv", "geojson"]
CONTAINER_TYPES = ("street_bin", "underground", "glass", "dog_waste", "cigarette")
CATEGORIES = ("fixed", "ground", "other", "portable", "underground")
MAX_PROBLEMS = 1000  # a report longer than this helps nobody; the count says how many more
ID_CHARS = frozenset("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-_.")


@dataclass(frozen=True, slots=True)
class Problem:
    """What is wrong with one field of one line (line 1 of a CSV is its header)."""

    line: int
    field: str
    message: str


@dataclass(frozen=True, slots=True)
class Parsed:
    """The checked rows of a file, or what is wrong with it (then ``rows`` is empty)."""

    rows: list[BinRecord]
    problems: list[Problem]
    lines: int
    more_problems: int = 0


def _text(limit: int) -> Callable[[str], str]:
    def check(value: str) -> str:
        if len(value) > limit:
            raise ValueError(f"hoogstens {limit} tekens")
        return value

    return check


def _ident(value: str) -> str:
    if len(value) > 64 or not set(value) <= ID_CHARS:
        raise ValueError("hoogstens 64 tekens: letters, cijfers, '-', '_' of '.'")
    return value


def _int(low: int, high: int) -> Callable[[str], int]:
    def check(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise ValueError(f"geen geheel getal: {value!r}") from None
        if not low <= number <= high:
            raise ValueError(f"moet tussen {low} en {high} liggen")
        return number

    return check


def _float(low: float, high: float, *, above: bool = False) -> Callable[[str], float]:
    def check(value: str) -> float:
        try:
            number = float(value.replace(",", ".") if value.count(",") == 1 else value)
        except ValueError:
            raise ValueError(f"geen getal: {value!r}") from None
        if not math.isfinite(number) or not low <= number <= high or (above and number == low):
            raise ValueError(f"moet tussen {low:g} en {high:g} liggen")
        return number

    return check


def _choice(options: tuple[str, ...]) -> Callable[[str], str]:
    def check(value: str) -> str:
        if value not in options:
            raise ValueError("moet een van " + ", ".join(options) + " zijn")
        return value

    return check


_TRUE = {"true", "1", "ja", "yes", "waar"}
_FALSE = {"false", "0", "nee", "no", "onwaar"}


def _bool(value: str) -> bool:
    lowered = value.lower()
    if lowered in _TRUE:
        return True
    if lowered in _FALSE:
        return False
    raise ValueError("moet true of false (ja of nee) zijn")


def _time(value: str) -> time:
    try:
        parsed = time.fromisoformat(value)
    except ValueError:
        raise ValueError(f"geen uur (UU:MM): {value!r}") from None
    return parsed.replace(tzinfo=None)


def _days(value: str) -> list[int]:
    try:
        days = sorted({int(d) for d in value.replace(";", ",").split(",") if d.strip()})
    except ValueError:
        raise ValueError("dagen als getallen 0 (maandag) tot 6 (zondag), met komma's") from None
    if not days or days[0] < 0 or days[-1] > 6:
        raise ValueError("dagen als getallen 0 (maandag) tot 6 (zondag), met komma's")
    return days


@dataclass(frozen=True, slots=True)
class Field:
    """How one input field is checked; ``default`` None means it is required."""

    check: Callable[[str], Any]
    default: str | None = None
    optional: bool = False  # empty means NULL


def check_fields(
    values: Mapping[str, object], spec: Mapping[str, Field], line: int = 0
) -> tuple[dict[str, Any] | None, list[Problem]]:
    """Checked values for every field of ``spec`` (text, numbers or lists in), or the problems."""
    problems: list[Problem] = []
    clean: dict[str, Any] = {}
    for name, rule in spec.items():
        raw = values.get(name)
        if isinstance(raw, bool):
            text = "true" if raw else "false"
        elif isinstance(raw, list):
            text = ",".join(str(v) for v in raw)
        else:
            text = "" if raw is None else str(raw).strip()
        if not text:
            if rule.optional:
                clean[name] = None
                continue
            if rule.default is None:
                problems.append(Problem(line, name, "ontbreekt"))
                continue
            text = rule.default
        try:
            clean[name] = rule.check(text)
        except ValueError as exc:
            problems.append(Problem(line, name, str(exc)))
    return (None, problems) if problems else (clean, [])


BIN_FIELDS: dict[str, Field] = {
    "id": Field(_ident),
    "name": Field(_text(200)),
    "district": Field(_text(100)),
    "place_type": Field(_text(40), default="street"),
    "container_type": Field(_choice(CONTAINER_TYPES)),
    "category": Field(_choice(CATEGORIES), default="fixed"),
    "volume_l": Field(_int(1, 100_000)),
    "depth_mm": Field(_int(1, 10_000)),
    "lat": Field(_float(-90, 90)),
    "lon": Field(_float(-180, 180)),
    "threshold": Field(_float(0, 1, above=True), default="0.8"),
    "active": Field(_bool, default="true"),
}
REQUIRED = tuple(name for name, f in BIN_FIELDS.items() if f.default is None)


def check_record(values: Mapping[str, object], line: int) -> tuple[BinRecord | None, list[Problem]]:
    """One bin from raw field values (text, or numbers from JSON), with what is wrong with it."""
    clean, problems = check_fields(values, BIN_FIELDS, line)
    return (None, problems) if clean is None else (BinRecord(**clean), [])


@dataclass(frozen=True, slots=True)
class Table:
    """Checked records of any kind (values by field), or what is wrong (then ``rows`` is empty)."""

    rows: list[dict[str, Any]]
    problems: list[Problem]
    lines: int
    more_problems: int = 0
    row_lines: list[int] = field(default_factory=list)  # the file line of each row


def _done(
    rows: list[dict[str, Any]], problems: list[Problem], lines: int, row_lines: list[int]
) -> Table:
    if problems:
        problems = sorted(problems, key=lambda p: p.line)
        shown = problems[:MAX_PROBLEMS]
        return Table([], shown, lines, len(problems) - len(shown))
    return Table(rows, [], lines, 0, row_lines)


def _collect(
    records: Iterable[tuple[int, Mapping[str, object]]], spec: Mapping[str, Field], noun: str
) -> Table:
    rows: list[dict[str, Any]] = []
    row_lines: list[int] = []
    problems: list[Problem] = []
    key = next(iter(spec))
    seen: dict[Any, int] = {}
    lines = 0
    for line, values in records:
        lines += 1
        clean, found = check_fields(values, spec, line)
        problems.extend(found)
        if clean is None:
            continue
        if clean[key] in seen:
            problems.append(Problem(line, key, f"komt al voor op regel {seen[clean[key]]}"))
            continue
        seen[clean[key]] = line
        rows.append(clean)
        row_lines.append(line)
    if lines == 0:
        problems.append(Problem(1, "", f"het bestand bevat geen {noun}"))
    return _done(rows, problems, lines, row_lines)


def _csv_table(data: bytes, spec: Mapping[str, Field], noun: str) -> Table:
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        return Table([], [Problem(1, "", f"geen UTF-8-tekst (byte {exc.start})")], 0)
    first = text.split("\n", 1)[0]
    delimiter = ";" if first.count(";") > first.count(",") else ","
    reader = csv.DictReader(io.StringIO(text, newline=""), delimiter=delimiter)
    header = [h.strip() for h in reader.fieldnames or []]
    required = [n for n, f in spec.items() if f.default is None and not f.optional]
    missing = [c for c in required if c not in header]
    unknown = [h for h in header if h not in spec]
    if missing or unknown:
        problems = [Problem(1, c, "kolom ontbreekt") for c in missing]
        problems += [Problem(1, h, "onbekende kolom") for h in unknown]
        return Table([], problems, 0)
    reader.fieldnames = header
    checked: list[tuple[int, Mapping[str, object]]] = []
    extra: list[Problem] = []
    try:
        for row in reader:
            if None in row:  # more cells than the header has columns
                extra.append(Problem(reader.line_num, "", "meer velden dan de kopregel kolommen"))
                continue
            checked.append((reader.line_num, row))
    except csv.Error as exc:
        extra.append(Problem(reader.line_num, "", f"onleesbare CSV: {exc}"))
    table = _collect(checked, spec, noun)
    if extra:
        return _done([], [*extra, *table.problems], table.lines + len(extra), [])
    return table


def _geojson_table(data: bytes, spec: Mapping[str, Field], noun: str) -> Table:
    try:
        document = json.loads(data)
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        return Table([], [Problem(1, "", f"geen geldige JSON: {exc}")], 0)
    if not isinstance(document, dict) or document.get("type") != "FeatureCollection":
        return Table([], [Problem(1, "type", "moet een FeatureCollection zijn")], 0)
    features = document.get("features")
    if not isinstance(features, list):
        return Table([], [Problem(1, "features", "moet een lijst zijn")], 0)

    def records() -> Iterable[tuple[int, Mapping[str, object]]]:
        for number, feature in enumerate(features, start=1):
            values: dict[str, object] = {}
            if isinstance(feature, dict):
                props = feature.get("properties")
                if isinstance(props, dict):
                    values.update({k: v for k, v in props.items() if k in spec})
                if "id" not in values and feature.get("id") is not None:
                    values["id"] = feature["id"]
                geometry = feature.get("geometry")
                if isinstance(geometry, dict) and geometry.get("type") == "Point":
                    coords = geometry.get("coordinates")
                    if isinstance(coords, list) and len(coords) >= 2:
                        values["lon"], values["lat"] = coords[0], coords[1]
            yield number, values

    return _collect(records(), spec, noun)


def parse_table(data: bytes, fmt: Format, spec: Mapping[str, Field], noun: str) -> Table:
    """Records of any kind from CSV or GeoJSON (GeoJSON only for kinds with lat and lon)."""
    if fmt == "geojson":
        if "lat" not in spec:
            return Table([], [Problem(1, "", f"{noun} hebben geen plaats: gebruik CSV")], 0)
        return _geojson_table(data, spec, noun)
    return _csv_table(data, spec, noun)


def _bins(table: Table) -> Parsed:
    return Parsed(
        [BinRecord(**r) for r in table.rows], table.problems, table.lines, table.more_problems
    )


def parse_csv(data: bytes) -> Parsed:
    """Bins from CSV (comma or semicolon, UTF-8 with or without BOM, a header line first)."""
    return _bins(_csv_table(data, BIN_FIELDS, "vuilbakken"))


def parse_geojson(data: bytes) -> Parsed:
    """Bins from a GeoJSON FeatureCollection of points (``line`` is the feature's number, from 1)."""
    return _bins(_geojson_table(data, BIN_FIELDS, "vuilbakken"))


def guess_format(filename: str, data: bytes) -> Format:
    """GeoJSON when the name says so or the content starts like JSON, CSV otherwise."""
    if filename.lower().endswith((".geojson", ".json")):
        return "geojson"
    return "geojson" if data.lstrip()[:1] in (b"{", b"[") else "csv"


def parse_bins(data: bytes, fmt: Format) -> Parsed:
    """Bins from a file in either format."""
    return parse_csv(data) if fmt == "csv" else parse_geojson(data)


def _cell(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    return str(value)


def bins_csv(rows: Iterable[BinRecord]) -> str:
    """Bins as CSV, the columns of :data:`COLUMNS` (what an import reads back unchanged)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(COLUMNS)
    for row in rows:
        writer.writerow([_cell(getattr(row, c)) for c in COLUMNS])
    return out.getvalue()


def bins_geojson(rows: Iterable[BinRecord]) -> dict[str, Any]:
    """Bins as a GeoJSON FeatureCollection of points (what an import reads back unchanged)."""
    features = []
    for row in rows:
        props = {c: getattr(row, c) for c in COLUMNS if c not in {"lat", "lon"}}
        features.append(
            {
                "type": "Feature",
                "id": row.id,
                "geometry": {"type": "Point", "coordinates": [row.lon, row.lat]},
                "properties": props,
            }
        )
    return {"type": "FeatureCollection", "features": features}


def problems_csv(problems: Iterable[Problem]) -> str:
    """A validation report as CSV (regel, veld, melding)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(("regel", "veld", "melding"))
    for p in problems:
        writer.writerow((p.line, p.field, p.message))
    return out.getvalue()


# What the registry's forms send for everything besides bins (checked the same way, in Dutch).
_ID = Field(_ident)
_NAME = Field(_text(200))
_LAT = Field(_float(-90, 90))
_LON = Field(_float(-180, 180))
_ACTIVE = Field(_bool, default="true")
DEPOT_FIELDS = {"id": _ID, "name": _NAME, "lat": _LAT, "lon": _LON, "active": _ACTIVE}
VEHICLE_FIELDS = {
    "id": _ID,
    "name": _NAME,
    "vehicle_type": Field(_choice(("van", "compactor", "crane"))),
    "depot_id": _ID,
    "capacity_l": Field(_int(1, 200_000)),
    "capacity_kg": Field(_int(1, 50_000)),
    "shift_start": Field(_time, default="06:00"),
    "shift_end": Field(_time, default="14:30"),
    "break_minutes": Field(_int(0, 240), default="30"),
    "active": _ACTIVE,
}
DISPOSAL_SITE_FIELDS = {
    "id": _ID,
    "name": _NAME,
    "lat": _LAT,
    "lon": _LON,
    "unload_s": Field(_int(0, 14_400), default="900"),
    "opens": Field(_time, default="06:00"),
    "closes": Field(_time, default="17:00"),
    "open_days": Field(_days, default="0,1,2,3,4,5"),
    "active": _ACTIVE,
}
CREW_FIELDS = {
    "id": _ID,
    "name": _NAME,
    "depot_id": Field(_ident, optional=True),
    "active": _ACTIVE,
}
SHIFT_FIELDS = {
    "weekdays": Field(_days),
    "starts": Field(_time),
    "ends": Field(_time),
    "break_start": Field(_time, optional=True),
    "break_minutes": Field(_int(0, 240), default="0"),
}
HOTSPOT_FIELDS = {
    "id": _ID,
    "name": _NAME,
    "district": Field(_text(100)),
    "lat": _LAT,
    "lon": _LON,
    "active": _ACTIVE,
}


def _device(value: str) -> str:
    if not _DEVICE_ID.fullmatch(value):
        raise ValueError("3 tot 64 tekens: kleine letters, cijfers en '-'")
    return value


_DEVICE_ID = re.compile(r"[a-z0-9][a-z0-9-]{2,63}")
SENSOR_FIELDS = {"device_id": Field(_device), "bin_id": _ID}
CAMERA_FIELDS = {"id": Field(_device), "hotspot_id": _ID}


def _text_of(value: object) -> str:
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, time):
        return value.strftime("%H:%M")
    if isinstance(value, list):
        return ",".join(str(v) for v in value)
    return "" if value is None else str(value)


def table_csv(spec: Mapping[str, Field], rows: Iterable[Mapping[str, object]]) -> str:
    """Records as CSV in the columns of ``spec`` (what an import of that kind reads back)."""
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(spec)
    for row in rows:
        writer.writerow([_text_of(row.get(name)) for name in spec])
    return out.getvalue()
