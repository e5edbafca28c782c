"""The demo's simulated detections get evidence from the camera unit's own pipeline."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.auth import Role, create_user
from api.evidence_access import DirectoryEvidence
from api.settings import ApiSettings
from demo import DemoCameras
from tests.api.conftest import PASSWORD, login
from tests.api.seed import seed_city
from tests.helpers import Conn, served


def _announce(db: Conn, event_id: str) -> None:
    """What the simulated city publishes: a camera's detection without any evidence."""
    db.execute(
        """INSERT INTO devices (id, kind, hotspot_id) VALUES ('cam-demo-1', 'camera', 'hs-glas-heule')
           ON CONFLICT (id) DO NOTHING"""
    )
    detected = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=5)
    db.execute(
        """INSERT INTO dumping_events (event_id, device_id, hotspot_id, seq, started_at,
                                       detected_at, bbox, object_area_px, person_present,
                                       vehicle_present, score)
           VALUES (%s, 'cam-demo-1', 'hs-glas-heule', 1, %s, %s, '{100,200,80,60}', 4800,
                   true, false, 0.9)""",
        (event_id, detected - timedelta(minutes=3), detected),
    )


def test_a_simulated_detection_gets_blurred_frames_a_clip_and_a_signed_manifest(
    database_url: str, db: Conn, tmp_path: Path
) -> None:
    """The worker packages a rendered scene with the unit's pipeline; the officer sees verified frames."""
    seed_city(db)
    _announce(db, "dump-hs-glas-heule-00001")
    evidence = tmp_path / "evidence"
    settings = ApiSettings(
        database_url=SecretStr(database_url), pool_min=1, pool_max=4, evidence_dir=str(evidence)
    )
    app = create_app(settings, evidence_files=DirectoryEvidence(evidence))
    create_user(conn=db, username="officer", password=PASSWORD, role=Role.ENFORCEMENT)
    with served(app) as url:
        cameras = DemoCameras(database_url=database_url, api_url=url, folder=tmp_path / "cams")
        assert cameras.run_once() == 1
        assert cameras.run_once() == 0, "an event with evidence is not packaged twice"
        cameras.close()
    files: dict[str, str] = dict(
        db.execute(
            """SELECT kind, state FROM evidence_files
               WHERE event_id = 'dump-hs-glas-heule-00001' AND NOT withheld"""
        ).fetchall()
    )
    assert db.execute(
        "SELECT count(*) FROM evidence_manifests WHERE event_id = 'dump-hs-glas-heule-00001'"
    ).fetchone() == (1,)
    assert files == {
        "frame_before": "verified",
        "frame_during": "verified",
        "frame_after": "verified",
        "clip": "verified",
    }
    with TestClient(app) as client:
        officer = login(client, "officer")
        detail = client.get(
            "/api/v1/enforcement/events/dump-hs-glas-heule-00001", headers=officer
        ).json()
        frames = [f for f in detail["files"] if f["kind"].startswith("frame_")]
        assert len(frames) == 3
        image = client.get(frames[0]["url"], headers=officer)
        assert image.status_code == 200
        decoded = cv2.imdecode(np.frombuffer(image.content, np.uint8), cv2.IMREAD_COLOR)
        assert decoded is not None
        assert decoded.shape[:2] == (480, 640)
        confirmed = client.post(
            "/api/v1/enforcement/events/dump-hs-glas-heule-00001/review",
            json={"state": "confirmed", "reason": ""},
            headers=officer,
        )
        assert confirmed.status_code == 200, "frames on the server: no written reason needed"


def test_a_stopping_demo_packages_no_further_detection(
    database_url: str, db: Conn, tmp_path: Path
) -> None:
    """Once the demo is stopping, the evidence worker leaves the waiting detections for its next run."""
    seed_city(db)
    _announce(db, "dump-hs-glas-heule-00002")
    settings = ApiSettings(database_url=SecretStr(database_url), pool_min=1, pool_max=4)
    app = create_app(settings, evidence_files=DirectoryEvidence(tmp_path / "evidence"))
    stop = threading.Event()
    stop.set()
    with served(app) as url:
        cameras = DemoCameras(database_url=database_url, api_url=url, folder=tmp_path / "cams")
        assert cameras.run_once(stop) == 0
        assert cameras.run_once() == 1, "the detection still waits for its evidence"
        cameras.close()
