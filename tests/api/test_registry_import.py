"""Bins in and out as CSV and GeoJSON: a report per line, all or nothing, re-import in place."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

from fastapi.testclient import TestClient

from api.auth import Role
from api.registry_io import parse_csv, parse_geojson
from tests.helpers import Conn

H = dict[Role, dict[str, str]]
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"
URL = "/api/v1/registry/bins/import"


def _upload(client: TestClient, h: dict[str, str], name: str, data: bytes, **params: str) -> Any:
    return client.post(URL, files={"file": (name, data)}, params=params, headers=h)


def test_the_example_files_import_cleanly() -> None:
    """The documented CSV and GeoJSON examples parse to the same five bins."""
    from_csv = parse_csv((EXAMPLES / "bins.csv").read_bytes())
    from_geojson = parse_geojson((EXAMPLES / "bins.geojson").read_bytes())
    assert from_csv.problems == []
    assert from_geojson.problems == []
    assert from_csv.rows == from_geojson.rows
    assert len(from_csv.rows) == 5


def test_semicolons_and_decimal_commas_are_read() -> None:
    """A CSV saved by a Belgian spreadsheet (semicolons, decimal commas) reads the same."""
    text = (
        "id;name;district;container_type;volume_l;depth_mm;lat;lon\n"
        "kor-1;Markt;Centrum;glass;2500;1500;50,8280;3,2649\n"
    )
    parsed = parse_csv(text.encode())
    assert parsed.problems == []
    assert (parsed.rows[0].lat, parsed.rows[0].lon) == (50.828, 3.2649)


def test_a_missing_column_is_reported_on_the_header_line() -> None:
    """A file without a required column is refused on line 1, naming the column."""
    parsed = parse_csv(b"id,name,district,container_type,volume_l,lat,lon\n")
    assert [(p.line, p.field, p.message) for p in parsed.problems] == [
        (1, "depth_mm", "kolom ontbreekt")
    ]


def test_a_file_with_errors_stores_nothing_and_reports_every_bad_line(
    client: TestClient, headers: H, db: Conn
) -> None:
    """The report names line, field and a Dutch message; not even the good line is stored."""
    data = (EXAMPLES / "bins-with-errors.csv").read_bytes()
    answer = _upload(client, headers[Role.COORDINATOR], "bins.csv", data)
    assert answer.status_code == 422
    report = answer.json()["detail"]
    assert report["stored"] is False
    assert {(p["line"], p["field"]) for p in report["problems"]} == {
        (3, "container_type"),
        (4, "district"),
        (4, "volume_l"),
        (5, "id"),
        (6, "lat"),
        (6, "threshold"),
        (6, "active"),
    }
    assert "niets opgeslagen" in report["message"]
    assert db.execute("SELECT count(*) FROM bins").fetchone() == (0,)


def test_a_reimport_by_id_updates_in_place(client: TestClient, headers: H, db: Conn) -> None:
    """Importing the same ids again changes those bins instead of adding new ones."""
    h = headers[Role.ADMIN]
    first = _upload(client, h, "bins.csv", (EXAMPLES / "bins.csv").read_bytes())
    assert first.json()["created"] == 5, first.text
    changed = (EXAMPLES / "bins.csv").read_text().replace("Budabrug,Centrum", "Budabrug,Overleie")
    again = _upload(client, h, "bins.csv", changed.encode())
    assert (again.json()["created"], again.json()["updated"]) == (0, 5)
    assert db.execute("SELECT count(*) FROM bins").fetchone() == (5,)
    assert db.execute("SELECT district FROM bins WHERE id = 'kor-103'").fetchone() == ("Overleie",)
    entry = db.execute(
        "SELECT username, detail FROM audit_log WHERE action = 'registry.import' ORDER BY id DESC"
    ).fetchone()
    assert entry is not None
    assert entry[0] == "admin1"
    assert entry[1]["updated"] == 5


def test_geojson_import_then_export_round_trips(client: TestClient, headers: H) -> None:
    """What a GeoJSON import stored comes back out of the export as the same features."""
    h = headers[Role.COORDINATOR]
    source = json.loads((EXAMPLES / "bins.geojson").read_bytes())
    answer = _upload(client, h, "bins.geojson", (EXAMPLES / "bins.geojson").read_bytes())
    assert answer.status_code == 200, answer.text
    exported = client.get("/api/v1/registry/bins/export.geojson", headers=h).json()
    geometry = {f["id"]: f["geometry"] for f in exported["features"]}
    assert geometry == {f["id"]: f["geometry"] for f in source["features"]}
    back = parse_geojson(json.dumps(exported).encode())
    assert set(back.rows) == set(parse_geojson((EXAMPLES / "bins.geojson").read_bytes()).rows)


def test_csv_export_reads_back_as_the_same_bins(client: TestClient, headers: H) -> None:
    """The CSV export is a valid import file for the same bins."""
    h = headers[Role.COORDINATOR]
    _upload(client, h, "bins.csv", (EXAMPLES / "bins.csv").read_bytes())
    exported = client.get("/api/v1/registry/bins/export.csv", headers=h)
    assert exported.headers["content-type"].startswith("text/csv")
    original = parse_csv((EXAMPLES / "bins.csv").read_bytes()).rows
    assert set(parse_csv(exported.content).rows) == set(original)


def test_a_dry_run_checks_without_storing(client: TestClient, headers: H, db: Conn) -> None:
    """A dry run answers the report and stores nothing."""
    answer = _upload(
        client, headers[Role.ADMIN], "b.csv", (EXAMPLES / "bins.csv").read_bytes(), dry_run="true"
    )
    assert answer.status_code == 200
    assert answer.json()["stored"] is False
    assert answer.json()["lines"] == 5
    assert db.execute("SELECT count(*) FROM bins").fetchone() == (0,)


def test_a_geojson_feature_without_a_point_is_reported(client: TestClient, headers: H) -> None:
    """A feature with a polygon has no lat/lon: reported on that feature's number."""
    doc = json.loads((EXAMPLES / "bins.geojson").read_bytes())
    doc["features"][1]["geometry"] = {"type": "Polygon", "coordinates": []}
    answer = _upload(client, headers[Role.ADMIN], "b.geojson", json.dumps(doc).encode())
    problems = answer.json()["detail"]["problems"]
    assert {(p["line"], p["field"]) for p in problems} == {(2, "lat"), (2, "lon")}


def test_a_bom_and_extra_cells_are_handled() -> None:
    """A UTF-8 BOM is ignored; a line with more cells than columns is reported on its line."""
    head = "id,name,district,container_type,volume_l,depth_mm,lat,lon\n"
    good = "kor-1,Markt,Centrum,glass,2500,1500,50.82,3.26\n"
    parsed = parse_csv(
        ("\ufeff" + head + good + good.replace("kor-1", "kor-2")[:-1] + ",x\n").encode()
    )
    assert [(p.line, p.message) for p in parsed.problems] == [
        (3, "meer velden dan de kopregel kolommen")
    ]
    assert parsed.rows == []


def test_text_that_is_not_utf8_is_refused_on_line_one() -> None:
    """A Latin-1 file is refused with one clear problem instead of garbled names."""
    parsed = parse_csv("id,name\nkor-1,Coördinatie\n".encode("latin-1"))
    assert [(p.line, p.message[:14]) for p in parsed.problems] == [(1, "geen UTF-8-tek")]


def test_an_empty_file_is_a_problem_not_an_empty_import() -> None:
    """A header without lines, or an empty FeatureCollection, stores nothing and says so."""
    head = b"id,name,district,container_type,volume_l,depth_mm,lat,lon\n"
    for parsed in (
        parse_csv(head),
        parse_geojson(b'{"type": "FeatureCollection", "features": []}'),
    ):
        assert [p.message for p in parsed.problems] == ["het bestand bevat geen vuilbakken"]


def test_a_long_report_is_cut_and_counts_the_rest() -> None:
    """Beyond 1,000 problems the report stops listing and says how many more there are."""
    head = "id,name,district,container_type,volume_l,depth_mm,lat,lon\n"
    bad = "".join(f"kor-{i},Markt,Centrum,kist,1,1,50,3\n" for i in range(1500))
    parsed = parse_csv((head + bad).encode())
    assert len(parsed.problems) == 1000
    assert parsed.more_problems == 500


def test_sensors_are_put_on_bins_from_a_file_with_their_history(
    client: TestClient, headers: H, db: Conn
) -> None:
    """The sensors example pairs four sensors with four bins; each gets an open pairing."""
    h = headers[Role.COORDINATOR]
    _upload(client, h, "bins.csv", (EXAMPLES / "bins.csv").read_bytes())
    url = "/api/v1/registry/sensors/import"
    data = (EXAMPLES / "sensors.csv").read_bytes()
    answer = client.post(url, files={"file": ("sensors.csv", data)}, headers=h)
    assert answer.status_code == 200, answer.text
    assert answer.json()["created"] == 4
    open_pairings = db.execute(
        "SELECT count(*) FROM sensor_pairings WHERE removed_at IS NULL AND installed_by = 'coordinator1'"
    ).fetchone()
    assert open_pairings == (4,)


def test_a_sensor_file_naming_unknown_or_taken_bins_stores_nothing(
    client: TestClient, headers: H, db: Conn
) -> None:
    """Unknown bin, a bin that has a sensor, a bin named twice: each on its line; nothing stored."""
    h = headers[Role.ADMIN]
    _upload(client, h, "bins.csv", (EXAMPLES / "bins.csv").read_bytes())
    client.post(
        "/api/v1/registry/sensors/install",
        json={"device_id": "fs-old-1", "bin_id": "kor-101"},
        headers=h,
    )
    data = b"device_id,bin_id\nfs-a-1,kor-101\nfs-a-2,nergens\nfs-a-3,kor-102\nfs-a-4,kor-102\n"
    answer = client.post(
        "/api/v1/registry/sensors/import", files={"file": ("s.csv", data)}, headers=h
    )
    assert answer.status_code == 422
    problems = [(p["line"], p["message"]) for p in answer.json()["detail"]["problems"]]
    assert problems == [
        (2, "op deze vuilbak zit al een sensor"),
        (3, "geen vuilbak met dit id"),
        (5, "krijgt al een sensor op regel 4"),
    ]
    assert db.execute("SELECT count(*) FROM devices").fetchone() == (1,)


def test_hotspots_import_and_update_in_place(client: TestClient, headers: H, db: Conn) -> None:
    """Hotspots come in from CSV; a second import with the same ids changes them in place."""
    h = headers[Role.COORDINATOR]
    url = "/api/v1/registry/hotspots/import"
    data = (EXAMPLES / "hotspots.csv").read_bytes()
    first = client.post(url, files={"file": ("hotspots.csv", data)}, headers=h)
    assert (first.json()["created"], first.json()["updated"]) == (2, 0)
    again = client.post(
        url, files={"file": ("hotspots.csv", data.replace(b"Heule Dorp", b"Heule Kerk"))}, headers=h
    )
    assert (again.json()["created"], again.json()["updated"]) == (0, 2)
    name = db.execute("SELECT name FROM hotspots WHERE id = 'hs-glas-heule'").fetchone()
    assert name == ("Glasbollen Heule Kerk",)


def test_vehicles_export_and_import_back_in_place(client: TestClient, headers: H, db: Conn) -> None:
    """The vehicles' CSV export, edited and imported, changes those vehicles and adds a new one."""
    h = headers[Role.ADMIN]
    exported = client.get("/api/v1/registry/vehicles/export.csv", headers=h)
    assert exported.status_code == 200
    lines = exported.text.splitlines()
    assert lines[0].startswith("id,name,vehicle_type,depot_id,capacity_l")
    assert lines[1] == "veh-1,Veegwagen 1,compactor,depot-kortrijk,12000,2500,06:00,14:30,30,true"
    edited = [
        lines[0],
        lines[1].replace("12000", "14000"),
        "veh-7,Bestelwagen 2,van,depot-kortrijk,4000,900,07:00,15:30,30,true",
    ]
    answer = client.post(
        "/api/v1/registry/vehicles/import",
        files={"file": ("vehicles.csv", "\n".join(edited).encode())},
        headers=h,
    )
    assert (answer.json()["created"], answer.json()["updated"]) == (1, 1), answer.text
    rows = db.execute(
        "SELECT id, capacity_l FROM vehicles WHERE id IN ('veh-1', 'veh-7') ORDER BY id"
    )
    assert rows.fetchall() == [("veh-1", 14000), ("veh-7", 4000)]


def test_a_vehicle_file_with_an_unknown_depot_stores_nothing(
    client: TestClient, headers: H, db: Conn
) -> None:
    """A depot that does not exist is refused by the database; the whole file is rolled back."""
    data = (
        "id,name,vehicle_type,depot_id,capacity_l,capacity_kg\n"
        "veh-8,Perswagen 8,compactor,depot-kortrijk,12000,2500\n"
        "veh-9,Perswagen 9,compactor,depot-nergens,12000,2500\n"
    )
    answer = client.post(
        "/api/v1/registry/vehicles/import",
        files={"file": ("vehicles.csv", data.encode())},
        headers=headers[Role.COORDINATOR],
    )
    assert answer.status_code == 422
    assert "verwijst naar iets dat niet bestaat" in answer.json()["detail"]
    assert db.execute(
        "SELECT count(*) FROM vehicles WHERE id IN ('veh-8', 'veh-9')"
    ).fetchone() == (0,)
