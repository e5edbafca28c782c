"""The API's evidence upload: signed device requests, files checked against the signed manifest."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np
import psycopg
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.evidence_access import DirectoryEvidence
from api.settings import ApiSettings
from contracts.evidence import public_key_bytes, sha256_hex
from db.evidence import register_key
from edge.config import CameraConfig
from edge.detector import Detection
from edge.evidence import event_files, manifest_of, package_event, read_event
from edge.ring import FrameRing
from edge.settings import EdgeSettings
from edge.spool import SpoolItem
from edge.uplink import EvidenceRejectedError, EvidenceUploader
from tests.edge.conftest import MakeTools
from tests.helpers import scalar

Db = psycopg.Connection[tuple[Any, ...]]
T0 = datetime(2026, 11, 28, 21, 40, tzinfo=UTC)


def register_camera(db: Db, device_id: str, hotspot_id: str = "HS-01") -> None:
    """Put a hotspot and its camera into the registry."""
    db.execute(
        """INSERT INTO hotspots (id, name, district, lat, lon)
           VALUES (%s, 'Glasbollen Overleie', 'Overleie', 50.83, 3.26) ON CONFLICT DO NOTHING""",
        (hotspot_id,),
    )
    db.execute(
        "INSERT INTO devices (id, kind, hotspot_id) VALUES (%s, 'camera', %s)",
        (device_id, hotspot_id),
    )


def packaged_event(make_tools: MakeTools, device_id: str = "cam-0001") -> tuple[Any, SpoolItem]:
    """A real evidence package of a camera unit, built from a short textured scene."""
    config = CameraConfig(device_id=device_id, hotspot_id="HS-01", clip_fps=1.0)
    tools = make_tools(config)
    ring = FrameRing(seconds=60, fps=1)
    ramp = np.linspace(40, 200, 640, dtype=np.float32)
    scene = np.dstack([np.tile(ramp, (480, 1))] * 3).astype(np.uint8)
    for step in range(30):
        ring.push(T0 + timedelta(seconds=step), scene)
    detection = Detection(
        1,
        T0 + timedelta(seconds=5),
        T0 + timedelta(seconds=20),
        (10, 10, 40, 40),
        1600,
        0.8,
        True,
        False,
    )
    return tools, package_event(detection, ring, tools)


@pytest.fixture
def api(database_url: str, tmp_path: Path) -> Iterator[TestClient]:
    """The real app, in process, on this test's database and a temporary evidence directory."""
    settings = ApiSettings(
        database_url=SecretStr(database_url),
        pool_min=1,
        pool_max=4,
        evidence_dir=str(tmp_path / "evidence"),
    )
    with TestClient(create_app(settings)) as client:
        yield client


def test_a_signed_package_is_accepted_and_a_tampered_file_refused_with_the_reason(
    db: Db, api: TestClient, make_tools: MakeTools, tmp_path: Path
) -> None:
    """Manifest and files from a registered camera are kept and verified; an altered file gets a 422 naming the hash mismatch, and the refusal is logged."""
    register_camera(db, "cam-0001")
    tools, item = packaged_event(make_tools)
    register_key(conn=db, device_id="cam-0001", public_key=public_key_bytes(tools.key))
    event = read_event(item)
    uploader = EvidenceUploader(
        EdgeSettings(api_url="http://testserver"), device_id="cam-0001", key=tools.key, client=api
    )
    _, signature = manifest_of(item)
    files = event_files(item)
    name, path = files[0]
    uploader.put_file(event.event_id, name, path, manifest_signature=signature)

    tampered_name, tampered_path = files[1]
    data = bytearray(tampered_path.read_bytes())
    data[len(data) // 2] ^= 0xFF
    with pytest.raises(
        EvidenceRejectedError, match=r"422 .*SHA-256 is [0-9a-f]{64}, the signed manifest says"
    ):
        uploader.put(event.event_id, tampered_name, bytes(data))
    for name, path in files[1:]:
        uploader.put_file(event.event_id, name, path)
    uploader.put_file(event.event_id, files[1][0], files[1][1])  # a retry of a stored file is fine

    rows = db.execute(
        "SELECT name, state, rejections, last_rejection FROM evidence_files WHERE event_id = %s AND NOT withheld ORDER BY name",
        (event.event_id,),
    ).fetchall()
    assert {r[0] for r in rows} == {f.name for f in event.files}
    assert all(r[1] == "verified" for r in rows)
    rejected = next(r for r in rows if r[0] == tampered_name)
    assert rejected[2] == 1
    assert "altered" in rejected[3]
    store = DirectoryEvidence(tmp_path / "evidence")
    for f in event.files:
        stored = tmp_path / "evidence" / event.event_id / f.name
        assert sha256_hex(stored.read_bytes()) != f.sha256  # encrypted at rest
        assert sha256_hex(store.read(event.event_id, f.name) or b"") == f.sha256
    assert (
        store.read(event.event_id, "manifest.json") == (item.folder / "manifest.json").read_bytes()
    )
    log = [
        r[0]
        for r in db.execute(
            "SELECT action FROM evidence_access_log WHERE event_id = %s ORDER BY id",
            (event.event_id,),
        )
    ]
    assert log[:3] == ["upload_manifest", "rejected", "upload_file"]


def test_uploads_need_the_devices_own_valid_signature(
    db: Db, api: TestClient, make_tools: MakeTools
) -> None:
    """Unsigned requests, another camera's key, a forged manifest signature and another device's path are all refused."""
    register_camera(db, "cam-0001")
    register_camera(db, "cam-0002")
    tools, item = packaged_event(make_tools)
    register_key(conn=db, device_id="cam-0001", public_key=public_key_bytes(tools.key))
    event = read_event(item)
    manifest, signature = manifest_of(item)
    base = f"/api/v1/evidence/cam-0001/{event.event_id}/manifest"

    unsigned = api.put(base, content=manifest)
    assert unsigned.status_code == 401
    assert "must carry" in unsigned.json()["detail"]

    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    stranger = EvidenceUploader(
        EdgeSettings(api_url="http://testserver"),
        device_id="cam-0001",
        key=Ed25519PrivateKey.generate(),
        client=api,
    )
    with pytest.raises(EvidenceRejectedError, match=r"401 .*signature does not match"):
        stranger.put(event.event_id, "manifest.json", manifest, manifest_signature=signature)

    own = EvidenceUploader(
        EdgeSettings(api_url="http://testserver"), device_id="cam-0001", key=tools.key, client=api
    )
    forged = Ed25519PrivateKey.generate()
    from contracts.evidence import sign

    with pytest.raises(
        EvidenceRejectedError, match=r"422 .*manifest refused: signature does not match"
    ):
        own.put(
            event.event_id, "manifest.json", manifest, manifest_signature=sign(forged, manifest)
        )
    with pytest.raises(EvidenceRejectedError, match=r"409 .*manifest first"):
        own.put(event.event_id, "during.jpg", b"anything")

    other = EvidenceUploader(
        EdgeSettings(api_url="http://testserver"), device_id="cam-0002", key=tools.key, client=api
    )
    response = api.put(
        f"/api/v1/evidence/cam-0001/{event.event_id}/manifest",
        content=manifest,
        headers={
            "X-Nettestad-Device": "cam-0002",
            "X-Nettestad-Timestamp": "0",
            "X-Nettestad-Signature": "AA==",
        },
    )
    assert response.status_code == 403
    with pytest.raises(EvidenceRejectedError, match=r"401 .*no registered key"):
        other.put(event.event_id, "manifest.json", manifest, manifest_signature=signature)


def test_unblurred_originals_are_accepted_only_after_an_authorised_request(
    db: Db, api: TestClient, make_tools: MakeTools
) -> None:
    """The sealed original is refused (403) until a second officer approved an unblur request, then verified against the same manifest."""
    from api.auth import Role, create_user
    from contracts.payloads import DumpingEvent
    from db.dumping import insert_dumping_event

    register_camera(db, "cam-0001")
    tools, item = packaged_event(make_tools)
    register_key(conn=db, device_id="cam-0001", public_key=public_key_bytes(tools.key))
    event: DumpingEvent = read_event(item)
    uploader = EvidenceUploader(
        EdgeSettings(api_url="http://testserver"), device_id="cam-0001", key=tools.key, client=api
    )
    _, signature = manifest_of(item)
    for name, path in event_files(item):
        uploader.put_file(
            event.event_id,
            name,
            path,
            manifest_signature=signature if name == "manifest.json" else None,
        )
    original = tools.vault.get(event.event_id, "raw-during.jpg")
    assert original is not None
    with pytest.raises(EvidenceRejectedError, match=r"403 .*no approved request"):
        uploader.put(event.event_id, "raw-during.jpg", original)

    insert_dumping_event(conn=db, event=event)
    create_user(
        conn=db,
        username="officer1",
        password="correct horse battery",  # noqa: S106 - a test account's password
        role=Role.ENFORCEMENT,
    )
    create_user(
        conn=db,
        username="officer2",
        password="correct horse battery",  # noqa: S106 - a test account's password
        role=Role.ENFORCEMENT,
    )
    user_id = scalar(db, "SELECT id FROM users WHERE username = 'officer1'")
    second = scalar(db, "SELECT id FROM users WHERE username = 'officer2'")
    request_id = scalar(
        db,
        "INSERT INTO unblur_requests (event_id, device_id, user_id, reason) VALUES (%s, 'cam-0001', %s, 'PV 2026/123: identify the driver') RETURNING id",
        (event.event_id, user_id),
    )
    with pytest.raises(EvidenceRejectedError, match=r"403 .*no approved request"):
        uploader.put(event.event_id, "raw-during.jpg", original)  # asked, not yet approved
    db.execute(
        "UPDATE unblur_requests SET approved_by = %s, approved_at = now(), expires_at = now() + interval '1 hour' WHERE id = %s",
        (second, request_id),
    )
    uploader.put(event.event_id, "raw-during.jpg", original)
    state = db.execute(
        "SELECT state FROM evidence_files WHERE event_id = %s AND name = 'raw-during.jpg'",
        (event.event_id,),
    ).fetchone()
    assert state == ("verified",)


def test_a_file_for_a_purged_event_is_refused_and_not_stored(
    db: Db, api: TestClient, make_tools: MakeTools, tmp_path: Path
) -> None:
    """After the retention purge deleted an event's evidence, a late file gets a 410 in Dutch, is logged, and nothing is written."""
    from api.evidence_access import DirectoryEvidence
    from api.retention import purge_expired
    from db.dumping import insert_dumping_event

    register_camera(db, "cam-0001")
    tools, item = packaged_event(make_tools)
    register_key(conn=db, device_id="cam-0001", public_key=public_key_bytes(tools.key))
    event = read_event(item)
    uploader = EvidenceUploader(
        EdgeSettings(api_url="http://testserver"), device_id="cam-0001", key=tools.key, client=api
    )
    _, signature = manifest_of(item)
    files = event_files(item)
    uploader.put_file(event.event_id, files[0][0], files[0][1], manifest_signature=signature)
    insert_dumping_event(conn=db, event=event)
    store = DirectoryEvidence(tmp_path / "evidence")
    later = datetime.now(UTC) + timedelta(days=400)
    assert purge_expired(conn=db, files=store, retention_days=30, now=later) == [event.event_id]

    late_name, late_path = files[1]
    with pytest.raises(EvidenceRejectedError, match=r"410 .*na de bewaartermijn gewist"):
        uploader.put_file(event.event_id, late_name, late_path)
    with pytest.raises(EvidenceRejectedError, match=r"410 "):
        uploader.put_file(event.event_id, files[0][0], files[0][1], manifest_signature=signature)
    assert not (tmp_path / "evidence" / event.event_id).exists()
    assert store.keys.get(event.event_id) is None
    refusals = db.execute(
        "SELECT count(*) FROM evidence_access_log WHERE event_id = %s AND action = 'rejected'",
        (event.event_id,),
    ).fetchone()
    assert refusals == (2,)
