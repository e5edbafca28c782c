"""Fixtures on the real services: a database of its own per test, a topic root per test.

The suite talks to the PostgreSQL and Mosquitto that ``./manage test`` makes sure are running.
``NETTESTAD_TEST_DATABASE_URL`` points it at another server, for example one with TimescaleDB
(see README: "Testing against TimescaleDB").
"""

from __future__ import annotations

import os
import socket
import threading
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import psycopg
import pytest

from db.conn import drop_database, with_database
from db.migrate import TimescaleMode, upgrade

SERVER_URL = os.environ.get(
    "NETTESTAD_TEST_DATABASE_URL", "postgresql://nettestad:nettestad@localhost:5432/postgres"
)
TIMESCALE = TimescaleMode(os.environ.get("NETTESTAD_TEST_TIMESCALE", "auto"))
MQTT_HOST = os.environ.get("NETTESTAD_TEST_MQTT_HOST", "localhost")
MQTT_PORT = int(os.environ.get("NETTESTAD_TEST_MQTT_PORT", "1883"))
FIXTURES = Path(__file__).parent / "fixtures"
SHARED = Path(__file__).resolve().parents[1].parent / "shared"


def _require_port(host: str, port: int, what: str) -> None:
    try:
        socket.create_connection((host, port), timeout=3).close()
    except OSError as exc:
        pytest.fail(f"{what} is not reachable at {host}:{port} ({exc}); run ./manage test")


@pytest.fixture(scope="session")
def server_url() -> str:
    """URL of the PostgreSQL server the suite creates its databases on."""
    if "@localhost" in SERVER_URL:
        _require_port("localhost", 5432, "PostgreSQL")
    return SERVER_URL


@pytest.fixture(scope="session")
def mqtt_address() -> tuple[str, int]:
    """Host and port of the Mosquitto broker the suite uses."""
    _require_port(MQTT_HOST, MQTT_PORT, "Mosquitto")
    return MQTT_HOST, MQTT_PORT


@pytest.fixture
def fresh_database(server_url: str) -> Iterator[str]:
    """A new, empty database (no schema), dropped afterwards."""
    url = with_database(server_url, f"nettestad_test_{uuid.uuid4().hex[:12]}")
    yield url
    drop_database(url)


@pytest.fixture
def database_url(fresh_database: str) -> str:
    """A new database with the full schema."""
    upgrade(fresh_database, timescale=TIMESCALE)
    return fresh_database


@pytest.fixture
def db(database_url: str) -> Iterator[psycopg.Connection[tuple[Any, ...]]]:
    """An autocommit connection to the test database."""
    with psycopg.connect(database_url, autocommit=True) as conn:
        yield conn


@pytest.fixture
def topic_root() -> str:
    """A topic root of this test's own, so concurrent runs never see each other's messages."""
    return f"t{uuid.uuid4().hex[:10]}"


@pytest.fixture
def service_env(
    database_url: str,
    topic_root: str,
    mqtt_address: tuple[str, int],
    monkeypatch: pytest.MonkeyPatch,
) -> dict[str, str]:
    """Environment variables that point every service at this test's database and topics."""
    env = {
        "NETTESTAD_DATABASE_URL": database_url,
        "NETTESTAD_TOPIC_ROOT": topic_root,
        "NETTESTAD_MQTT_HOST": mqtt_address[0],
        "NETTESTAD_MQTT_PORT": str(mqtt_address[1]),
        "NETTESTAD_CLIENT_ID": f"ingest-{topic_root}",
    }
    for key, value in env.items():
        monkeypatch.setenv(key, value)
    return env


@pytest.fixture
def fixture_bytes() -> Callable[[str], bytes]:
    """Read a recorded payload from tests/fixtures."""

    def read(name: str) -> bytes:
        return (FIXTURES / name).read_bytes()

    return read


@pytest.fixture
def running_ingest(service_env: dict[str, str]) -> Iterator[Any]:
    """The real ingest service in a thread, subscribed before the test goes on."""
    from ingest.service import IngestService
    from ingest.settings import get_ingest_settings

    service = IngestService(get_ingest_settings())
    service.start()
    thread = threading.Thread(target=service.run_writer, name="ingest-writer", daemon=True)
    thread.start()
    assert service.wait_subscribed(10), "ingest did not subscribe within 10 s"
    yield service
    service.stop()
    thread.join(15)
    service.close()
    assert not thread.is_alive(), "the ingest writer did not stop"
