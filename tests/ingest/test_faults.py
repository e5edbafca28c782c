"""Faults against the real services: every reading sent is stored exactly once, whatever fails."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

import psycopg
import pytest

from db.conn import with_database
from db.migrate import upgrade
from tests.helpers import poll
from tests.ingest.conftest import (
    Stream,
    assert_stored_exactly_once,
    count,
    ingest_settings,
    ingest_worker,
    publish_in_background,
)
from tests.ingest.services import PrivateMosquitto, PrivatePostgres

ROOT_DIR = Path(__file__).resolve().parents[2]
pytestmark = pytest.mark.slow


def _start_ingest(env: dict[str, str], log: Path) -> subprocess.Popen[bytes]:
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "nettestad.cli", "ingest"],
            env={**os.environ, **env},
            cwd=ROOT_DIR,
            stdout=out,
            stderr=subprocess.STDOUT,
        )


@pytest.fixture
def ingest_process_env(
    database_url: str, topic_root: str, private_mosquitto: PrivateMosquitto
) -> dict[str, str]:
    """Environment for ``nettestad ingest`` as a process on the private broker."""
    return {
        "NETTESTAD_DATABASE_URL": database_url,
        "NETTESTAD_TOPIC_ROOT": topic_root,
        "NETTESTAD_MQTT_HOST": "127.0.0.1",
        "NETTESTAD_MQTT_PORT": str(private_mosquitto.port),
        "NETTESTAD_CLIENT_ID": f"ingest-{topic_root}",
        "NETTESTAD_METRICS_ENABLED": "false",
        "NETTESTAD_BATCH_SIZE": "50",
    }


def test_ingest_killed_with_sigkill_and_restarted_loses_nothing(
    *,
    db: psycopg.Connection[Any],
    topic_root: str,
    private_mosquitto: PrivateMosquitto,
    ingest_process_env: dict[str, str],
    stream_for: Callable[[psycopg.Connection[Any], int, int], Stream],
    tmp_path: Path,
) -> None:
    """SIGKILL mid-stream, then a restart: the broker redelivers what was not acknowledged."""
    stream = stream_for(db, 20, 15)
    log = tmp_path / "ingest.log"
    process = _start_ingest(ingest_process_env, log)
    try:
        poll(lambda: "subscribing to" in log.read_text(), what="ingest subscribed")
        publisher, errors = publish_in_background(private_mosquitto.port, stream, topic_root)
        poll(
            lambda: count(db, "SELECT count(*) FROM fill_readings") >= stream.readings // 3,
            what="a third of the stream stored",
        )
        process.send_signal(signal.SIGKILL)
        process.wait(10)
        stored_at_kill = count(db, "SELECT count(*) FROM fill_readings")
        process = _start_ingest(ingest_process_env, log)
        publisher.join(120)
        assert not errors, errors
        poll(
            lambda: count(db, "SELECT count(*) FROM fill_readings") >= stream.readings,
            timeout=60,
            what="the whole stream stored",
        )
    finally:
        process.terminate()
        process.wait(20)
    assert stored_at_kill < stream.readings, "the kill landed mid-stream"
    assert_stored_exactly_once(db, stream)
    assert process.returncode == 0, log.read_text()[-2000:]


def test_postgres_restarted_mid_stream_loses_nothing(
    private_postgres: PrivatePostgres,
    private_mosquitto: PrivateMosquitto,
    topic_root: str,
    stream_for: Callable[[psycopg.Connection[Any], int, int], Stream],
) -> None:
    """The database crashes and recovers while readings flow: ingest retries, nothing is lost."""
    url = with_database(private_postgres.server_url, "nettestad")
    upgrade(url)
    with psycopg.connect(url, autocommit=True) as setup:
        stream = stream_for(setup, 20, 15)
    settings = ingest_settings(
        database_url=url,
        root=topic_root,
        port=private_mosquitto.port,
        client_id=f"ingest-{topic_root}",
        batch_size=50,
    )
    with ingest_worker(settings) as service:
        publisher, errors = publish_in_background(private_mosquitto.port, stream, topic_root)
        poll(lambda: service.stats().stored_readings >= stream.readings // 3, what="a third")
        private_postgres.restart()
        publisher.join(120)
        assert not errors, errors

        def stored() -> int:
            try:
                with psycopg.connect(url) as conn:
                    return count(conn, "SELECT count(*) FROM fill_readings")
            except psycopg.OperationalError:
                return 0

        poll(lambda: stored() >= stream.readings, timeout=60, what="the whole stream stored")
        assert service.stats().db_errors >= 1, "the outage was seen by the writer"
    with psycopg.connect(url) as conn:
        assert_stored_exactly_once(conn, stream)


def test_mosquitto_restarted_mid_stream_loses_nothing(
    db: psycopg.Connection[Any],
    database_url: str,
    private_mosquitto: PrivateMosquitto,
    topic_root: str,
    stream_for: Callable[[psycopg.Connection[Any], int, int], Stream],
) -> None:
    """The broker restarts (with persistence) mid-stream: the sessions resume, nothing is lost."""
    stream = stream_for(db, 20, 15)
    settings = ingest_settings(
        database_url=database_url,
        root=topic_root,
        port=private_mosquitto.port,
        client_id=f"ingest-{topic_root}",
        batch_size=50,
    )
    with ingest_worker(settings):
        publisher, errors = publish_in_background(private_mosquitto.port, stream, topic_root)
        poll(
            lambda: count(db, "SELECT count(*) FROM fill_readings") >= stream.readings // 3,
            what="a third of the stream stored",
        )
        private_mosquitto.restart()
        publisher.join(120)
        assert not errors, errors
        poll(
            lambda: count(db, "SELECT count(*) FROM fill_readings") >= stream.readings,
            timeout=60,
            what="the whole stream stored",
        )
    assert_stored_exactly_once(db, stream)
