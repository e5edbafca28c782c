"""An event produced while the broker is down reaches the database, with its files, once it is back.

Runs the real pieces: a private Mosquitto on a free port (stopped and restarted by the test; the
shared broker is never touched), the real ingest service, the real API served by uvicorn over
HTTP, and the camera unit fed a synthetic scene in which a bag is dropped.
"""

from __future__ import annotations

import os
import socket
import subprocess
import threading
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from pydantic import SecretStr

from api.app import create_app
from api.settings import ApiSettings
from contracts.evidence import public_key_bytes
from db.evidence import register_key
from edge.config import CameraConfig
from edge.keys import load_or_create_key
from edge.runner import run_unit
from edge.settings import EdgeSettings
from edge.sources import Frame, ListSource
from edge.spool import Spool
from edge.synthetic import make_scene, render
from ingest.service import IngestService
from ingest.settings import IngestSettings
from tests.edge.test_evidence_upload import register_camera
from tests.helpers import free_port, poll, served

Db = psycopg.Connection[tuple[Any, ...]]


def _port_open(port: int) -> bool:
    try:
        socket.create_connection(("127.0.0.1", port), timeout=0.5).close()
    except OSError:
        return False
    return True


class PrivateBroker:
    """A Mosquitto of this test's own, with persistence so sessions survive a restart."""

    def __init__(self, folder: Path) -> None:
        self.port = free_port()
        folder.mkdir(parents=True, exist_ok=True)
        self.conf = folder / "mosquitto.conf"
        lines = [
            f"listener {self.port} 127.0.0.1",
            "allow_anonymous true",
            "persistence true",
            f"persistence_location {folder}/",
        ]
        if os.geteuid() == 0:
            # Run as root, Mosquitto drops to the 'mosquitto' user, which cannot write its
            # persistence file into this test's private temporary folder.
            lines.append("user root")
        self.conf.write_text("\n".join(lines) + "\n", "utf-8")
        self.process: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        """Start and wait until it listens."""
        self.process = subprocess.Popen(
            ["mosquitto", "-c", str(self.conf)],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        poll(lambda: _port_open(self.port), timeout=10, what="the private broker to listen")

    def stop(self) -> None:
        """Stop it (it writes its persistence file on the way out)."""
        if self.process is not None:
            self.process.terminate()
            self.process.wait(10)
            self.process = None


@pytest.fixture
def broker(tmp_path: Path) -> Iterator[PrivateBroker]:
    """A private broker, stopped at the end whatever happened."""
    if subprocess.run(["which", "mosquitto"], capture_output=True, check=False).returncode:
        pytest.skip("mosquitto is not installed")
    private = PrivateBroker(tmp_path / "broker")
    private.start()
    yield private
    private.stop()


@pytest.fixture
def api_url(
    database_url: str, tmp_path: Path, broker: PrivateBroker, topic_root: str
) -> Iterator[str]:
    """The real API served by uvicorn over HTTP on a free port."""
    settings = ApiSettings(
        database_url=SecretStr(database_url),
        pool_min=1,
        pool_max=4,
        evidence_dir=str(tmp_path / "evidence"),
        mqtt_port=broker.port,
        topic_root=topic_root,
    )
    with served(create_app(settings)) as url:
        yield url


@pytest.fixture
def ingest(database_url: str, broker: PrivateBroker, topic_root: str) -> Iterator[IngestService]:
    """The real ingest service subscribed to the private broker."""
    settings = IngestSettings(
        database_url=SecretStr(database_url),
        mqtt_port=broker.port,
        topic_root=topic_root,
        client_id=f"ingest-{topic_root}",
    )
    service = IngestService(settings)
    service.start()
    thread = threading.Thread(target=service.run_writer, name="ingest-writer", daemon=True)
    thread.start()
    assert service.wait_subscribed(10)
    yield service
    service.stop()
    thread.join(15)
    service.close()


@pytest.mark.slow
def test_an_event_made_while_the_broker_is_down_arrives_with_its_files_after_it_returns(  # noqa: PLR0917 - pytest passes fixtures positionally
    db: Db,
    tmp_path: Path,
    broker: PrivateBroker,
    ingest: IngestService,
    api_url: str,
    topic_root: str,
) -> None:
    """With the broker down the unit detects a dumping, uploads its files and keeps the event; when the broker returns the event is stored once, matching its verified files."""
    register_camera(db, "cam-0001")
    config = CameraConfig(device_id="cam-0001", hotspot_id="HS-01", dwell_s=10.0, clip_fps=1.0)
    config_path = tmp_path / "camera.json"
    config_path.write_text(config.model_dump_json(), "utf-8")
    settings = EdgeSettings(
        data_dir=tmp_path / "edge",
        camera_config=config_path,
        api_url=api_url,
        mqtt_port=broker.port,
        topic_root=topic_root,
        mqtt_client_id=f"cam-0001-{topic_root}",
        mqtt_reconnect_max_s=2,
        retry_s=0.3,
        heartbeat_s=1.0,
    )
    key = load_or_create_key(settings.data_dir / "device.key", settings.device_key_secret())
    register_key(conn=db, device_id="cam-0001", public_key=public_key_bytes(key))
    scene = make_scene("drop", "drop", seed=11, duration_s=34, fps=5, noise_sigma=3)
    start = datetime.now(UTC) - timedelta(seconds=40)
    frames = [Frame(start + timedelta(seconds=t), image) for t, image in render(scene)]

    broker.stop()
    stop = threading.Event()
    unit_thread = threading.Thread(
        target=run_unit,
        args=(settings,),
        kwargs={"config_path": config_path, "stop": stop, "source": ListSource(frames)},
        name="camera-unit",
        daemon=True,
    )
    unit_thread.start()
    try:
        spool = Spool(settings.data_dir / "spool", max_events=500, max_bytes=2**31)
        waiting = poll(
            lambda: [i for i in spool.items() if i.uploaded],
            timeout=90,
            what="files uploaded while the broker is down",
        )
        assert len(waiting) == 1
        event_id = waiting[0].folder.name.split("-", 1)[1]
        verified = db.execute(
            "SELECT count(*) FILTER (WHERE state = 'verified'), count(*) FROM evidence_files WHERE event_id = %s AND NOT withheld",
            (event_id,),
        ).fetchone()
        assert verified is not None
        assert verified[0] == verified[1] >= 4
        assert db.execute("SELECT count(*) FROM dumping_events").fetchone() == (0,)

        broker.start()
        row = poll(
            lambda: db.execute(
                "SELECT e.event_id, e.manifest_sha256 = m.manifest_sha256, e.person_present, e.files"
                " FROM dumping_events e JOIN evidence_manifests m USING (event_id)"
            ).fetchone(),
            timeout=60,
            what="the event stored by ingest after the broker returned",
        )
        assert row[0] == event_id
        assert row[1] is True
        assert {f["kind"] for f in row[3]} == {
            "frame_before",
            "frame_during",
            "frame_after",
            "clip",
        }
        poll(lambda: not spool.items(), timeout=20, what="the spool to empty")
        poll(
            lambda: (
                db.execute("SELECT state FROM devices WHERE id = 'cam-0001'").fetchone()
                == ("online",)
            ),
            timeout=20,
            what="the camera's online status",
        )
        assert db.execute("SELECT count(*) FROM dumping_events").fetchone() == (1,)
    finally:
        stop.set()
        unit_thread.join(20)
    assert not unit_thread.is_alive()
