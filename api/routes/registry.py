"""The asset registry: bins, fleet, sites, hotspots, cameras and sensors, for coordinators and admins.

Every change is checked field by field with Dutch messages (422 with ``problems``), stored in the
request's transaction and written to the audit log in that same transaction. Bins also come in
and go out as CSV or GeoJSON; an import stores all its lines or none.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from dataclasses import asdict
from typing import Annotated, Any, Literal

import psycopg
from fastapi import (
    APIRouter,
    Body,
    Depends,
    File,
    HTTPException,
    Query,
    Request,
    Response,
    UploadFile,
)
from pydantic import BaseModel

from api import audit, registry_import
from api import registry_io as rio
from api.auth import Role, User, require_roles
from api.deps import DbConn
from api.registry_import import ImportReport
from db import bins as bq
from db import fleet as fq
from db import sites as sq

router = APIRouter(prefix="/api/v1/registry", tags=["registry"])
Editor = Annotated[User, Depends(require_roles(Role.COORDINATOR, Role.ADMIN))]
Values = Annotated[dict[str, Any], Body(description="the record's fields")]
MAX_IMPORT_BYTES = 50 * 1024 * 1024


class BinPage(BaseModel):
    """A page of bins and how many there are in all."""

    total: int
    bins: list[bq.BinRow]


def _refuse(problems: list[rio.Problem]) -> HTTPException:
    text = "; ".join(f"{p.field}: {p.message}" for p in problems[:5])
    return HTTPException(
        422,
        {
            "message": f"Ongeldige invoer — {text}",
            "problems": [asdict(p) for p in problems],
        },
    )


def _checked(values: Mapping[str, Any], spec: Mapping[str, rio.Field]) -> dict[str, Any]:
    clean, problems = rio.check_fields(values, spec)
    if clean is None:
        raise _refuse(problems)
    return clean


@contextmanager
def _stored(what: str) -> Iterator[None]:
    """Database refusals as Dutch 4xx answers instead of server errors."""
    try:
        yield
    except psycopg.errors.UniqueViolation:
        raise HTTPException(409, f"{what} bestaat al") from None
    except psycopg.errors.ForeignKeyViolation:
        raise HTTPException(
            422, f"{what} verwijst naar iets dat niet bestaat (depot, vuilbak of hotspot)"
        ) from None
    except psycopg.errors.CheckViolation:
        raise HTTPException(422, f"{what}: een waarde valt buiten wat toegelaten is") from None


def _audit(  # noqa: PLR0917 - one short call on every change; keywords would triple each
    conn: DbConn, user: User, request: Request, action: str, kind: str, obj: str, detail: Any
) -> None:
    audit.record(
        conn=conn,
        user=user,
        action=action,
        object_type=kind,
        object_id=obj,
        detail=json.loads(json.dumps(detail, default=str)),
        request=request,
    )


def _jsonable(values: Mapping[str, Any]) -> dict[str, Any]:
    return {k: v.isoformat() if hasattr(v, "isoformat") else v for k, v in values.items()}


# --- bins -----------------------------------------------------------------------------------


@router.get("/bins")
def list_bins(  # noqa: PLR0917 - FastAPI passes query parameters and dependencies positionally
    conn: DbConn,
    _user: Editor,
    q: Annotated[
        str | None, Query(max_length=100, description="part of id, name, district")
    ] = None,
    district: Annotated[str | None, Query(max_length=100)] = None,
    retired: bool = False,
    limit: Annotated[int, Query(ge=1, le=20_000)] = 100,
    offset: Annotated[int, Query(ge=0, le=10_000_000)] = 0,
) -> BinPage:
    """Bins whose id, name or district contains ``q``; retired ones only when asked."""
    rows = bq.search(
        conn=conn, text=q, district=district, include_retired=retired, limit=limit, offset=offset
    )
    total = bq.count(conn=conn, text=q, district=district, include_retired=retired)
    return BinPage(total=total, bins=rows)


@router.get("/districts")
def districts(conn: DbConn, _user: Editor) -> list[str]:
    """The districts bins are in."""
    return bq.districts(conn=conn)


@router.get("/bins/export.csv", response_class=Response)
def export_csv(conn: DbConn, user: Editor, request: Request) -> Response:
    """Every bin as CSV, in the columns an import reads."""
    body = rio.bins_csv(bq.export_rows(conn=conn))
    _audit(conn, user, request, "registry.export", "bin", "*", {"format": "csv"})
    return Response(
        body,
        media_type="text/csv; charset=utf-8",
        headers={"Content-Disposition": 'attachment; filename="nettestad-bins.csv"'},
    )


@router.get("/bins/export.geojson")
def export_geojson(conn: DbConn, user: Editor, request: Request) -> Response:
    """Every bin as a GeoJSON FeatureCollection, in the properties an import reads."""
    body = json.dumps(rio.bins_geojson(bq.export_rows(conn=conn)), ensure_ascii=False)
    _audit(conn, user, request, "registry.export", "bin", "*", {"format": "geojson"})
    return Response(
        body,
        media_type="application/geo+json",
        headers={"Content-Disposition": 'attachment; filename="nettestad-bins.geojson"'},
    )


@router.get("/bins/{bin_id}")
def get_bin(conn: DbConn, _user: Editor, bin_id: str) -> bq.BinRow:
    """One bin with the sensor on it now."""
    row = bq.get(conn=conn, bin_id=bin_id)
    if row is None:
        raise HTTPException(404, f"geen vuilbak met id {bin_id!r}")
    return row


@router.post("/bins", status_code=201)
def create_bin(conn: DbConn, user: Editor, request: Request, body: Values) -> bq.BinRow:
    """Add a bin (409 when the id exists)."""
    record, problems = rio.check_record(body, 0)
    if record is None:
        raise _refuse(problems)
    with _stored(f"Vuilbak {record.id}"):
        bq.insert(conn=conn, record=record)
    _audit(conn, user, request, "registry.create", "bin", record.id, _jsonable(asdict(record)))
    row = bq.get(conn=conn, bin_id=record.id)
    assert row is not None
    return row


@router.put("/bins/{bin_id}")
def update_bin(
    conn: DbConn, user: Editor, request: Request, bin_id: str, body: Values
) -> bq.BinRow:
    """Change a bin in place (the id in the path wins over one in the body)."""
    before = bq.get(conn=conn, bin_id=bin_id)
    if before is None:
        raise HTTPException(404, f"geen vuilbak met id {bin_id!r}")
    record, problems = rio.check_record({**body, "id": bin_id}, 0)
    if record is None:
        raise _refuse(problems)
    with _stored(f"Vuilbak {bin_id}"):
        bq.update(conn=conn, record=record)
    changed = {
        k: {"van": v, "naar": getattr(record, k)}
        for k, v in asdict(before).items()
        if k in bq.COLUMNS and v != getattr(record, k)
    }
    _audit(conn, user, request, "registry.update", "bin", bin_id, changed)
    row = bq.get(conn=conn, bin_id=bin_id)
    assert row is not None
    return row


@router.delete("/bins/{bin_id}")
def retire_bin(conn: DbConn, user: Editor, request: Request, bin_id: str) -> bq.BinRow:
    """Retire a bin: no longer planned or shown, its history kept."""
    if not bq.set_active(conn=conn, bin_id=bin_id, active=False):
        raise HTTPException(404, f"geen vuilbak met id {bin_id!r}")
    _audit(conn, user, request, "registry.retire", "bin", bin_id, {})
    row = bq.get(conn=conn, bin_id=bin_id)
    assert row is not None
    return row


_IMPORT_OBJECT = {
    "bins": "bin",
    "hotspots": "hotspot",
    "sensors": "device",
    "vehicles": "vehicle",
    "depots": "depot",
    "disposal-sites": "disposal_site",
    "crews": "crew",
}
Upload = Annotated[UploadFile, File(description="CSV, or GeoJSON for bins and hotspots")]
FormatQuery = Annotated[
    Literal["csv", "geojson"] | None, Query(description="default: from the name or content")
]


def _import(  # noqa: PLR0917 - the three import routes hand over what FastAPI gave them
    conn: DbConn,
    user: User,
    request: Request,
    file: UploadFile,
    fmt: rio.Format | None,
    dry_run: bool,
    kind: registry_import.Kind,
) -> ImportReport:
    data = file.file.read(MAX_IMPORT_BYTES + 1)
    if len(data) > MAX_IMPORT_BYTES:
        raise HTTPException(413, f"een bestand mag hoogstens {MAX_IMPORT_BYTES >> 20} MiB zijn")
    fmt = fmt or rio.guess_format(file.filename or "", data)
    with _stored("Een regel uit het bestand"):
        report = registry_import.import_kind(
            conn=conn, kind=kind, data=data, fmt=fmt, dry_run=dry_run, actor=user.username
        )
    if not report.stored:
        if dry_run:
            return report
        raise HTTPException(422, asdict(report))
    detail = {
        "format": fmt,
        "lines": report.lines,
        "created": report.created,
        "updated": report.updated,
        "file": file.filename,
    }
    _audit(conn, user, request, "registry.import", _IMPORT_OBJECT[kind], "*", detail)
    return report


_REFUSED: dict[int | str, dict[str, Any]] = {
    422: {"description": "the file has problems; nothing was stored"}
}


@router.post("/bins/import", responses=_REFUSED)
def import_file(  # noqa: PLR0917 - FastAPI passes query parameters and dependencies positionally
    conn: DbConn,
    user: Editor,
    request: Request,
    file: Upload,
    format: FormatQuery = None,  # noqa: A002 - the API's word for it
    dry_run: bool = False,
) -> ImportReport:
    """Add or update bins by id from CSV or GeoJSON: every line stored, or none and a report."""
    return _import(conn, user, request, file, format, dry_run, "bins")


@router.post("/hotspots/import", responses=_REFUSED)
def import_hotspots(  # noqa: PLR0917 - FastAPI passes query parameters and dependencies positionally
    conn: DbConn,
    user: Editor,
    request: Request,
    file: Upload,
    format: FormatQuery = None,  # noqa: A002 - the API's word for it
    dry_run: bool = False,
) -> ImportReport:
    """Add or update hotspots by id from CSV or GeoJSON: every line stored, or none and a report."""
    return _import(conn, user, request, file, format, dry_run, "hotspots")


@router.post("/sensors/import", responses=_REFUSED)
def import_sensors(  # noqa: PLR0917 - FastAPI passes query parameters and dependencies positionally
    conn: DbConn,
    user: Editor,
    request: Request,
    file: Upload,
    format: FormatQuery = None,  # noqa: A002 - the API's word for it
    dry_run: bool = False,
) -> ImportReport:
    """Put new sensors on bins from a CSV of ``device_id,bin_id``: every line stored, or none."""
    return _import(conn, user, request, file, format, dry_run, "sensors")


# --- depots, vehicles, disposal sites, crews -------------------------------------------------

_FLEET: dict[str, tuple[type[fq.Row], Mapping[str, rio.Field], str, str]] = {
    # path: (row type, fields, audit object type, Dutch name)
    "depots": (fq.DepotRow, rio.DEPOT_FIELDS, "depot", "Depot"),
    "vehicles": (fq.VehicleRow, rio.VEHICLE_FIELDS, "vehicle", "Voertuig"),
    "disposal-sites": (
        fq.DisposalSiteRow,
        rio.DISPOSAL_SITE_FIELDS,
        "disposal_site",
        "Stortplaats",
    ),
    "crews": (fq.CrewRow, rio.CREW_FIELDS, "crew", "Ploeg"),
}


def _fleet_routes(path: str) -> None:
    kind, spec, object_type, noun = _FLEET[path]

    def list_all(conn: DbConn, _user: Editor) -> list[Any]:
        return list(fq.list_rows(conn=conn, kind=kind))

    def create(conn: DbConn, user: Editor, request: Request, body: Values) -> Any:
        row = kind(**_checked(body, spec))
        with _stored(f"{noun} {row.id}"):
            fq.insert_row(conn=conn, row=row)
        _audit(conn, user, request, "registry.create", object_type, row.id, _jsonable(asdict(row)))
        return row

    def update(conn: DbConn, user: Editor, request: Request, row_id: str, body: Values) -> Any:
        before = fq.get_row(conn=conn, kind=kind, row_id=row_id)
        if before is None:
            raise HTTPException(404, f"{noun} {row_id!r} bestaat niet")
        row = kind(**_checked({**body, "id": row_id}, spec))
        with _stored(f"{noun} {row_id}"):
            fq.update_row(conn=conn, row=row)
        old, new = _jsonable(asdict(before)), _jsonable(asdict(row))
        changed = {k: {"van": old[k], "naar": v} for k, v in new.items() if old[k] != v}
        _audit(conn, user, request, "registry.update", object_type, row_id, changed)
        return row

    def import_all(  # noqa: PLR0917 - FastAPI passes query parameters and dependencies positionally
        conn: DbConn,
        user: Editor,
        request: Request,
        file: Upload,
        format: FormatQuery = None,  # noqa: A002 - the API's word for it
        dry_run: bool = False,
    ) -> ImportReport:
        return _import(conn, user, request, file, format, dry_run, path)  # type: ignore[arg-type]  # path is one of the import kinds

    def export_all(conn: DbConn, user: Editor, request: Request) -> Response:
        rows = [asdict(r) for r in fq.list_rows(conn=conn, kind=kind)]
        _audit(conn, user, request, "registry.export", object_type, "*", {"format": "csv"})
        return Response(
            rio.table_csv(spec, rows),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="nettestad-{path}.csv"'},
        )

    import_all.__doc__ = f"Add or update {path} by id from CSV: every line stored, or none."
    export_all.__doc__ = (
        f"Every {object_type.replace('_', ' ')} as CSV, in the columns an import reads."
    )
    router.add_api_route(
        f"/{path}/import",
        import_all,
        methods=["POST"],
        responses=_REFUSED,
        response_model=ImportReport,
    )
    router.add_api_route(
        f"/{path}/export.csv", export_all, methods=["GET"], response_class=Response
    )
    list_all.__doc__ = f"Every {object_type.replace('_', ' ')}."
    create.__doc__ = f"Add a {object_type.replace('_', ' ')} (409 when the id exists)."
    update.__doc__ = f"Change a {object_type.replace('_', ' ')}; set active false to retire it."
    router.add_api_route(f"/{path}", list_all, methods=["GET"], response_model=list[kind])  # type: ignore[valid-type]  # a dataclass chosen per path
    router.add_api_route(f"/{path}", create, methods=["POST"], status_code=201, response_model=kind)
    router.add_api_route(f"/{path}/{{row_id}}", update, methods=["PUT"], response_model=kind)


for _path in _FLEET:
    _fleet_routes(_path)


@router.get("/shifts")
def list_shifts(
    conn: DbConn, _user: Editor, crew_id: Annotated[str | None, Query(max_length=64)] = None
) -> list[fq.ShiftRow]:
    """Crews' shifts: days (0 = Monday), hours and break."""
    return fq.shifts(conn=conn, crew_id=crew_id)


@router.post("/crews/{crew_id}/shifts", status_code=201)
def add_shift(
    conn: DbConn, user: Editor, request: Request, crew_id: str, body: Values
) -> list[fq.ShiftRow]:
    """Add a shift to a crew; returns the crew's shifts."""
    values = _checked(body, rio.SHIFT_FIELDS)
    if values["ends"] <= values["starts"]:
        raise _refuse([rio.Problem(0, "ends", "moet na het begin liggen")])
    with _stored(f"Shift van ploeg {crew_id}"):
        shift_id = fq.insert_shift(conn=conn, crew_id=crew_id, **values)
    _audit(
        conn,
        user,
        request,
        "registry.create",
        "crew_shift",
        str(shift_id),
        {"crew_id": crew_id, **_jsonable(values)},
    )
    return fq.shifts(conn=conn, crew_id=crew_id)


@router.delete("/shifts/{shift_id}", status_code=204)
def delete_shift(conn: DbConn, user: Editor, request: Request, shift_id: int) -> None:
    """Remove a shift."""
    crew_id = fq.delete_shift(conn=conn, shift_id=shift_id)
    if crew_id is None:
        raise HTTPException(404, f"shift {shift_id} bestaat niet")
    _audit(
        conn, user, request, "registry.delete", "crew_shift", str(shift_id), {"crew_id": crew_id}
    )


# --- hotspots and cameras -------------------------------------------------------------------


@router.get("/hotspots")
def list_hotspots(conn: DbConn, _user: Editor) -> list[sq.HotspotRow]:
    """Every dumping hotspot."""
    return sq.hotspots(conn=conn)


@router.post("/hotspots", status_code=201)
def create_hotspot(conn: DbConn, user: Editor, request: Request, body: Values) -> sq.HotspotRow:
    """Add a hotspot."""
    row = sq.HotspotRow(**_checked(body, rio.HOTSPOT_FIELDS))
    with _stored(f"Hotspot {row.id}"):
        sq.insert_hotspot(conn=conn, row=row)
    _audit(conn, user, request, "registry.create", "hotspot", row.id, asdict(row))
    return row


@router.put("/hotspots/{hotspot_id}")
def update_hotspot(
    conn: DbConn, user: Editor, request: Request, hotspot_id: str, body: Values
) -> sq.HotspotRow:
    """Change a hotspot; set active false to retire it."""
    row = sq.HotspotRow(**_checked({**body, "id": hotspot_id}, rio.HOTSPOT_FIELDS))
    if not sq.update_hotspot(conn=conn, row=row):
        raise HTTPException(404, f"hotspot {hotspot_id!r} bestaat niet")
    _audit(conn, user, request, "registry.update", "hotspot", hotspot_id, asdict(row))
    return row


@router.get("/cameras")
def list_cameras(conn: DbConn, _user: Editor) -> list[sq.DeviceRow]:
    """Every camera, in service first."""
    return sq.devices(conn=conn, kind="camera")


@router.post("/cameras", status_code=201)
def register_camera(conn: DbConn, user: Editor, request: Request, body: Values) -> sq.DeviceRow:
    """Register a camera at a hotspot (its key is enrolled with ``nettestad evidence enrol``)."""
    values = _checked(body, rio.CAMERA_FIELDS)
    with _stored(f"Camera {values['id']}"):
        sq.register_camera(conn=conn, device_id=values["id"], hotspot_id=values["hotspot_id"])
    _audit(conn, user, request, "registry.create", "camera", values["id"], values)
    row = sq.device(conn=conn, device_id=values["id"])
    assert row is not None
    return row


@router.put("/cameras/{device_id}")
def move_camera(
    conn: DbConn, user: Editor, request: Request, device_id: str, body: Values
) -> sq.DeviceRow:
    """Point a camera at another hotspot."""
    values = _checked({**body, "id": device_id}, rio.CAMERA_FIELDS)
    with _stored(f"Camera {device_id}"):
        moved = sq.move_camera(conn=conn, device_id=device_id, hotspot_id=values["hotspot_id"])
    if not moved:
        raise HTTPException(404, f"geen camera {device_id!r} in dienst")
    _audit(conn, user, request, "registry.update", "camera", device_id, values)
    row = sq.device(conn=conn, device_id=device_id)
    assert row is not None
    return row


@router.delete("/cameras/{device_id}")
def retire_camera(conn: DbConn, user: Editor, request: Request, device_id: str) -> sq.DeviceRow:
    """Take a camera out of service (its detections and evidence stay)."""
    row = sq.device(conn=conn, device_id=device_id)
    if row is None or row.kind != "camera":
        raise HTTPException(404, f"geen camera {device_id!r}")
    if not sq.retire_device(conn=conn, device_id=device_id, actor=user.username, reason="retire"):
        raise HTTPException(409, f"camera {device_id} is al buiten dienst")
    _audit(conn, user, request, "registry.retire", "camera", device_id, {})
    retired = sq.device(conn=conn, device_id=device_id)
    assert retired is not None
    return retired


# --- fill sensors on bins -------------------------------------------------------------------


class SensorHistory(BaseModel):
    """Which sensor sat on which bin, newest first."""

    pairings: list[sq.PairingRow]


@router.get("/sensors")
def list_sensors(conn: DbConn, _user: Editor) -> list[sq.DeviceRow]:
    """Every fill sensor, in service first."""
    return sq.devices(conn=conn, kind="fill_sensor")


@router.get("/sensors/history")
def sensor_history(
    conn: DbConn,
    _user: Editor,
    bin_id: Annotated[str | None, Query(max_length=64)] = None,
    device_id: Annotated[str | None, Query(max_length=64)] = None,
) -> SensorHistory:
    """Install, swap and retire history, of a bin, of a sensor, or of all."""
    return SensorHistory(pairings=sq.pairings(conn=conn, bin_id=bin_id, device_id=device_id))


def _pair(conn: DbConn, user: User, values: dict[str, Any], *, swap: bool) -> str | None:
    """Put a new sensor on a bin; with ``swap``, the old one comes off in the same transaction."""
    bin_row = bq.get(conn=conn, bin_id=values["bin_id"])
    if bin_row is None:
        raise HTTPException(404, f"geen vuilbak met id {values['bin_id']!r}")
    old = sq.sensor_on_bin(conn=conn, bin_id=values["bin_id"])
    if old is not None and not swap:
        raise HTTPException(409, f"op vuilbak {values['bin_id']} zit al sensor {old}; wissel hem")
    if old is None and swap:
        raise HTTPException(409, f"op vuilbak {values['bin_id']} zit geen sensor om te wisselen")
    if old is not None:
        sq.retire_device(conn=conn, device_id=old, actor=user.username, reason="swap")
    with _stored(f"Sensor {values['device_id']}"):
        sq.install_sensor(
            conn=conn, device_id=values["device_id"], bin_id=values["bin_id"], actor=user.username
        )
    return old


@router.post("/sensors/install", status_code=201)
def install_sensor(conn: DbConn, user: Editor, request: Request, body: Values) -> SensorHistory:
    """Put a new fill sensor on a bin that has none (provision its credentials with
    ``nettestad device provision``)."""
    values = _checked(body, rio.SENSOR_FIELDS)
    _pair(conn, user, values, swap=False)
    _audit(conn, user, request, "registry.sensor_install", "bin", values["bin_id"], values)
    return SensorHistory(pairings=sq.pairings(conn=conn, bin_id=values["bin_id"], device_id=None))


@router.post("/sensors/swap", status_code=201)
def swap_sensor(conn: DbConn, user: Editor, request: Request, body: Values) -> SensorHistory:
    """Replace the sensor on a bin with a new one; the bin keeps every reading of both."""
    values = _checked(body, rio.SENSOR_FIELDS)
    old = _pair(conn, user, values, swap=True)
    _audit(
        conn,
        user,
        request,
        "registry.sensor_swap",
        "bin",
        values["bin_id"],
        {**values, "old_device_id": old},
    )
    return SensorHistory(pairings=sq.pairings(conn=conn, bin_id=values["bin_id"], device_id=None))


@router.post("/sensors/{device_id}/retire")
def retire_sensor(conn: DbConn, user: Editor, request: Request, device_id: str) -> SensorHistory:
    """Take a sensor out of service; its bin keeps its readings."""
    row = sq.device(conn=conn, device_id=device_id)
    if row is None or row.kind != "fill_sensor":
        raise HTTPException(404, f"geen sensor {device_id!r}")
    if not sq.retire_device(conn=conn, device_id=device_id, actor=user.username, reason="retire"):
        raise HTTPException(409, f"sensor {device_id} is al buiten dienst")
    _audit(
        conn, user, request, "registry.sensor_retire", "device", device_id, {"bin_id": row.bin_id}
    )
    return SensorHistory(pairings=sq.pairings(conn=conn, bin_id=None, device_id=device_id))
