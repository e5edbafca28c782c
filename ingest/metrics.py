"""The ingest service's counters for Prometheus, read from the writer's statistics at scrape time."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Iterator

from prometheus_client import CollectorRegistry, generate_latest
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from ingest.writer import WriterStats
from metrics import Reply, Request, ServiceHttp

log = logging.getLogger(__name__)

# (metric name, type, help, how to read it)
_METRICS: tuple[tuple[str, str, str, Callable[[WriterStats, int], float]], ...] = (
    (
        "nettestad_ingest_messages_received_total",
        "counter",
        "MQTT messages processed",
        lambda s, _: s.received,
    ),
    (
        "nettestad_ingest_readings_stored_total",
        "counter",
        "fill readings newly stored",
        lambda s, _: s.stored_readings,
    ),
    (
        "nettestad_ingest_duplicates_total",
        "counter",
        "readings delivered again and skipped",
        lambda s, _: s.duplicates,
    ),
    (
        "nettestad_ingest_dead_letters_total",
        "counter",
        "messages kept as dead letters",
        lambda s, _: s.dead_letters,
    ),
    (
        "nettestad_ingest_security_events_total",
        "counter",
        "messages recorded as security events",
        lambda s, _: s.security_events,
    ),
    (
        "nettestad_ingest_alerts_raised_total",
        "counter",
        "alerts opened",
        lambda s, _: s.alerts_raised,
    ),
    ("nettestad_ingest_batches_total", "counter", "transactions committed", lambda s, _: s.batches),
    (
        "nettestad_ingest_db_errors_total",
        "counter",
        "database errors retried",
        lambda s, _: s.db_errors,
    ),
    (
        "nettestad_ingest_isolations_total",
        "counter",
        "batches split to isolate a message that could not be stored",
        lambda s, _: s.isolations,
    ),
    (
        "nettestad_ingest_writer_restarts_total",
        "counter",
        "writer lanes restarted after an unexpected error (alarm)",
        lambda s, _: s.writer_restarts,
    ),
    (
        "nettestad_ingest_writer_lanes_dead",
        "gauge",
        "writer lanes not running right now (0 when healthy)",
        lambda s, _: s.lanes_dead,
    ),
    (
        "nettestad_ingest_queue_depth",
        "gauge",
        "messages received and waiting for the writer",
        lambda _, q: q,
    ),
    (
        "nettestad_ingest_lag_seconds",
        "gauge",
        "receipt of the oldest message of the last batch to its commit",
        lambda s, _: s.last_commit_lag_s,
    ),
    (
        "nettestad_ingest_last_commit_timestamp_seconds",
        "gauge",
        "unix time of the last commit",
        lambda s, _: s.last_commit_at,
    ),
)


Reading = Callable[[], tuple[WriterStats, int]]


class IngestCollector(Collector):
    """The writer's statistics and the queue depth, as they are when Prometheus scrapes."""

    def __init__(self, read: Reading) -> None:
        self._read = read

    def collect(self) -> Iterator[Metric]:
        """One family per metric of ``_METRICS``."""
        stats, depth = self._read()
        for name, kind, text, read in _METRICS:
            family = CounterMetricFamily if kind == "counter" else GaugeMetricFamily
            yield family(name, text, value=read(stats, depth))


def registry_for(read: Reading) -> CollectorRegistry:
    """A registry holding only the ingest metrics (no process or platform collectors)."""
    registry = CollectorRegistry()
    registry.register(IngestCollector(read))
    return registry


def render(stats: WriterStats, queue_depth: int) -> str:
    """The metrics page in Prometheus text format 0.0.4."""
    return generate_latest(registry_for(lambda: (stats, queue_depth))).decode()


class MetricsServer:
    """Serves ``/metrics``, ``/health`` (503 while a writer lane is down) and ``/ready`` (503
    until the subscription is active: what a publisher waits for so that nothing it sends is
    lost before ingest listens) until closed."""

    def __init__(
        self,
        host: str,
        port: int,
        read: Reading,
        healthy: Callable[[], bool] = lambda: True,
        ready: Callable[[], bool] = lambda: True,
    ) -> None:
        def health(_: Request) -> Reply:
            return Reply(200, "ok\n") if healthy() else Reply(503, "a writer lane is down\n")

        def readiness(_: Request) -> Reply:
            return Reply(200, "ok\n") if ready() else Reply(503, "not subscribed yet\n")

        self._http = ServiceHttp(
            host=host,
            port=port,
            registry=registry_for(read),
            routes={("GET", "/health"): health, ("GET", "/ready"): readiness},
            name="ingest-metrics",
        )
        self.port = self._http.port
        self.started = time.time()

    def close(self) -> None:
        """Stop serving and release the port."""
        self._http.close()
