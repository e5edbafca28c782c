"""The broker's ``$SYS`` statistics for Prometheus (``nettestad broker exporter``).

It logs in with the ``svc_metrics`` account, which may read ``$SYS/#`` and nothing else, keeps
the latest numeric value of every ``$SYS/broker/...`` topic and serves them as gauges (Mosquitto
resets them on restart, so none is a counter).
"""

from __future__ import annotations

import re
import socket
import threading
from collections.abc import Iterator
from typing import Any

from prometheus_client import CollectorRegistry
from prometheus_client.core import GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from config import ServiceSettings
from metrics import Reply, Request, ServiceHttp

_NUMBER = re.compile(r"^\s*(-?\d+(?:\.\d+)?)")


def sys_metric(topic: str, payload: bytes) -> tuple[str, float] | None:
    """A ``$SYS/broker/...`` message as (metric name, value); None when it is not a number."""
    if not topic.startswith("$SYS/broker/"):
        return None
    match = _NUMBER.match(payload.decode("utf-8", errors="replace"))
    if match is None:
        return None  # the version string, timestamps as text
    name = re.sub(r"[^a-zA-Z0-9_]", "_", topic.removeprefix("$SYS/broker/"))
    return f"mosquitto_{name}", float(match.group(1))


class BrokerExporter(Collector):
    """Keeps the latest numeric ``$SYS`` values of the broker (read with ``svc_metrics``)."""

    def __init__(self) -> None:
        self.values: dict[str, float] = {}
        self.connected = False
        self._lock = threading.Lock()  # paho's thread writes while a scrape reads

    def on_message(self, topic: str, payload: bytes) -> None:
        """Record one ``$SYS`` message."""
        metric = sys_metric(topic, payload)
        if metric is not None:
            with self._lock:
                self.values[metric[0]] = metric[1]

    def collect(self) -> Iterator[Metric]:
        """Whether the exporter is connected, then every value seen, as gauges."""
        yield GaugeMetricFamily(
            "nettestad_broker_exporter_connected",
            "1 while the exporter is connected to the broker",
            value=int(self.connected),
        )
        with self._lock:
            values = sorted(self.values.items())
        for name, value in values:
            yield GaugeMetricFamily(name, f"Mosquitto $SYS/broker value ({name})", value=value)


class ExporterSettings(ServiceSettings):
    """The exporter talks to the broker only; it has no database to protect."""

    def secret_settings(self) -> dict[str, str | None]:
        """Only the broker password counts for the exporter."""
        return {k: v for k, v in super().secret_settings().items() if "DATABASE_URL" not in k}


def run_exporter(*, host: str, port: int, stop: threading.Event) -> None:
    """Subscribe to ``$SYS/#`` with the settings' account and serve ``/metrics`` until ``stop``."""
    from broker.client import connect, make_client

    settings = ExporterSettings()
    exporter = BrokerExporter()
    registry = CollectorRegistry()
    registry.register(exporter)
    client = make_client(settings, client_id=f"exporter-{socket.gethostname()}"[:64])

    def on_connect(c: Any, _u: object, _f: object, reason: Any, _p: object) -> None:
        exporter.connected = not reason.is_failure
        if exporter.connected:
            c.subscribe("$SYS/#", qos=0)

    def on_disconnect(*_: object) -> None:
        exporter.connected = False

    def health(_: Request) -> Reply:
        return Reply(200, "ok\n") if exporter.connected else Reply(503, "not connected\n")

    client.on_connect = on_connect
    client.on_disconnect = on_disconnect
    client.on_message = lambda _c, _u, m: exporter.on_message(m.topic, bytes(m.payload))
    server = ServiceHttp(
        host=host,
        port=port,
        registry=registry,
        routes={("GET", "/health"): health},
        name="broker-exporter",
    )
    connect(client, settings)
    client.loop_start()
    try:
        stop.wait()
    finally:
        server.close()
        client.disconnect()
        client.loop_stop()
