"""A case's legal hold travels from the API through the real Mosquitto to the camera, which keeps its originals."""

from __future__ import annotations

import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient
from pydantic import SecretStr

from api.app import create_app
from api.auth import Role, create_user
from api.device_commands import MqttCommandSender
from api.evidence_access import DirectoryEvidence
from api.settings import ApiSettings
from broker.client import connect, make_client
from edge.config import CameraConfig
from edge.settings import EdgeSettings
from edge.unit import Forwarder
from edge.uplink import EvidenceUploader, MqttLink
from tests.api.conftest import PASSWORD, login
from tests.api.seed import seed_city, seed_detection
from tests.edge.conftest import MakeTools
from tests.helpers import poll

Db = psycopg.Connection[tuple[Any, ...]]
CAMERA = "cam-heule-1"
LATER = 31 * 86400  # past the camera's 30-day purge


@pytest.fixture
def officer_api(  # noqa: PLR0917 - pytest passes fixtures positionally
    database_url: str,
    tmp_path: Path,
    topic_root: str,
    mqtt_address: tuple[str, int],
    db: Db,
    monkeypatch: pytest.MonkeyPatch,
) -> Iterator[tuple[TestClient, dict[str, str]]]:
    """The real app sending its device commands through the real broker, and an officer's header."""
    from argon2 import PasswordHasher

    monkeypatch.setattr("api.auth._hasher", PasswordHasher(time_cost=1, memory_cost=1024))
    create_user(conn=db, username="enforcement1", password=PASSWORD, role=Role.ENFORCEMENT)
    settings = ApiSettings(
        database_url=SecretStr(database_url),
        pool_min=1,
        pool_max=3,
        mqtt_host=mqtt_address[0],
        mqtt_port=mqtt_address[1],
        topic_root=topic_root,
    )
    app = create_app(
        settings,
        evidence_files=DirectoryEvidence(tmp_path / "evidence"),
        commands=MqttCommandSender(settings),
    )
    with TestClient(app) as client:
        yield client, login(client, "enforcement1")


class Camera:
    """The camera unit's command side: its MQTT session and the forwarder that obeys commands."""

    def __init__(self, make_tools: MakeTools, topic_root: str, mqtt: tuple[str, int]) -> None:
        self.tools = make_tools(CameraConfig(device_id=CAMERA, hotspot_id="hs-glas-heule"))
        self.settings = EdgeSettings(
            mqtt_host=mqtt[0],
            mqtt_port=mqtt[1],
            topic_root=topic_root,
            mqtt_client_id=f"{CAMERA}-{topic_root}",
        )
        self.uploader = EvidenceUploader(self.settings, device_id=CAMERA, key=self.tools.key)
        self.link: MqttLink | None = None

    def connect(self) -> None:
        """Open the session and wait until it listens to its commands."""
        forwarder_box: list[Forwarder] = []

        def on_command(command: dict[str, object]) -> None:
            forwarder_box[0].on_command(command)  # the forwarder is built after the link

        self.link = MqttLink(self.settings, device_id=CAMERA, on_command=on_command)
        forwarder_box.append(Forwarder(self.tools, self.uploader, self.link))
        self.link.start()
        assert self.link.subscribed.wait(20), "the camera did not subscribe to its commands"

    def disconnect(self) -> None:
        """Go away (the broker keeps the session)."""
        assert self.link is not None
        self.link.close()
        self.link = None


@pytest.fixture
def camera(
    make_tools: MakeTools, topic_root: str, mqtt_address: tuple[str, int]
) -> Iterator[Camera]:
    """A camera with two events' originals in its vault."""
    unit = Camera(make_tools, topic_root, mqtt_address)
    for event_id in ("evt-hold-0001", "evt-free-0002"):
        unit.tools.vault.put(event_id, "raw-during.jpg", f"original of {event_id}".encode())
    yield unit
    if unit.link is not None:
        unit.disconnect()
    unit.uploader.close()
    # End the persistent session, so the shared broker does not keep it for two weeks.
    client = make_client(unit.settings, client_id=unit.settings.mqtt_client_id)
    connect(client, unit.settings)
    client.disconnect()


def _confirm(client: TestClient, officer: dict[str, str], event_id: str) -> str:
    answer = client.post(
        f"/api/v1/enforcement/events/{event_id}/review",
        json={"state": "confirmed", "reason": "zakken achtergelaten"},
        headers=officer,
    )
    assert answer.status_code == 200, answer.text
    return str(answer.json()["case_number"])


def test_a_case_holds_the_originals_on_the_camera_until_it_is_closed(
    db: Db, tmp_path: Path, officer_api: tuple[TestClient, dict[str, str]], camera: Camera
) -> None:
    """Confirming holds the event's originals on the camera past its purge; closing the case releases them."""
    seed_city(db)
    seed_detection(db, tmp_path / "evidence", event_id="evt-hold-0001")
    client, officer = officer_api
    camera.connect()
    number = _confirm(client, officer, "evt-hold-0001")
    vault = camera.tools.vault
    poll(lambda: vault.held("evt-hold-0001"), timeout=20, what="the hold to reach the camera")
    assert db.execute("SELECT hold_sent_at IS NOT NULL FROM enforcement_cases").fetchone() == (
        True,
    )
    assert vault.purge(now=time.time() + LATER) == 1
    assert vault.get("evt-hold-0001", "raw-during.jpg") == b"original of evt-hold-0001"
    assert vault.get("evt-free-0002", "raw-during.jpg") is None

    assert client.post(f"/api/v1/enforcement/cases/{number}/close", headers=officer).is_success
    poll(lambda: not vault.held("evt-hold-0001"), timeout=20, what="the release to arrive")
    assert vault.purge(now=time.time() + LATER) == 1
    assert vault.get("evt-hold-0001", "raw-during.jpg") is None


def test_a_hold_sent_while_the_camera_is_away_arrives_when_it_returns(
    db: Db, tmp_path: Path, officer_api: tuple[TestClient, dict[str, str]], camera: Camera
) -> None:
    """The camera's persistent session keeps the hold at the broker while it is offline."""
    seed_city(db)
    seed_detection(db, tmp_path / "evidence", event_id="evt-hold-0001")
    client, officer = officer_api
    camera.connect()
    camera.disconnect()
    _confirm(client, officer, "evt-hold-0001")
    assert not camera.tools.vault.held("evt-hold-0001")
    camera.connect()
    poll(
        lambda: camera.tools.vault.held("evt-hold-0001"),
        timeout=20,
        what="the queued hold after reconnecting",
    )
