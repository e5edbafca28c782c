"""Ingest's ``/ready``: what a publisher asks before sending, so nothing goes out unheard."""

from __future__ import annotations

import socket
import threading
import urllib.error
import urllib.request

from ingest.metrics import MetricsServer
from ingest.service import IngestService
from ingest.writer import WriterStats
from tests.ingest.conftest import ingest_settings


def _status(url: str) -> int:
    try:
        with urllib.request.urlopen(url, timeout=5) as response:  # noqa: S310 - a local test server
            return int(response.status)
    except urllib.error.HTTPError as refused:
        return refused.code


def _ingest(database_url: str, topic_root: str, broker_port: int) -> IngestService:
    """An in-process ingest that serves its metrics and ``/ready`` on a free port."""
    settings = ingest_settings(
        database_url=database_url,
        root=topic_root,
        port=broker_port,
        client_id=f"ingest-{topic_root}",
        metrics_enabled=True,
        metrics_port=0,
    )
    return IngestService(settings)


def test_ready_answers_503_until_the_subscription_is_active() -> None:
    """``/ready`` follows the readiness it is given: 503 before, 200 after."""
    subscribed = threading.Event()
    server = MetricsServer("127.0.0.1", 0, lambda: (WriterStats(), 0), ready=subscribed.is_set)
    try:
        url = f"http://127.0.0.1:{server.port}/ready"
        assert _status(url) == 503
        subscribed.set()
        assert _status(url) == 200
    finally:
        server.close()


def test_a_running_ingest_is_ready_once_subscribed(
    *, database_url: str, topic_root: str, mqtt_address: tuple[str, int]
) -> None:
    """The real service, connected to the broker, answers 200 on ``/ready`` after subscribing."""
    service = _ingest(database_url, topic_root, mqtt_address[1])
    service.start()
    try:
        assert service.wait_subscribed(10)
        assert service.metrics is not None
        assert _status(f"http://127.0.0.1:{service.metrics.port}/ready") == 200
    finally:
        service.stop()
        service.close()


def test_an_ingest_whose_broker_never_answers_is_not_ready(
    *, database_url: str, topic_root: str
) -> None:
    """Connected by TCP to a broker that never acknowledges, ingest answers 503 on ``/ready``."""
    with socket.socket() as silent:
        silent.bind(("127.0.0.1", 0))
        silent.listen()
        service = _ingest(database_url, topic_root, silent.getsockname()[1])
        service.start()
        try:
            assert not service.wait_subscribed(0)
            assert service.metrics is not None
            assert _status(f"http://127.0.0.1:{service.metrics.port}/ready") == 503
        finally:
            service.stop()
            service.close()
