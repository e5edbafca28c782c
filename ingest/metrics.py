"""Prometheus text exposition of the ingest service's counters, on a small HTTP server."""

from __future__ import annotations

import logging
import threading
import time
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

from ingest.writer import WriterStats

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


def render(stats: WriterStats, queue_depth: int) -> str:
    """The metrics page in Prometheus text format 0.0.4."""
    lines = []
    for name, kind, text, read in _METRICS:
        lines += [
            f"# HELP {name} {text}",
            f"# TYPE {name} {kind}",
            f"{name} {read(stats, queue_depth):g}",
        ]
    return "\n".join(lines) + "\n"


class MetricsServer:
    """Serves ``/metrics`` and ``/health`` (503 while a writer lane is down) until closed."""

    def __init__(
        self,
        host: str,
        port: int,
        snapshot: Callable[[], str],
        healthy: Callable[[], bool] = lambda: True,
    ) -> None:
        snapshot_fn = snapshot
        healthy_fn = healthy

        class Handler(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                path = self.path.split("?")[0]
                if path == "/health":
                    ok = healthy_fn()
                    self._send(200 if ok else 503, b"ok\n" if ok else b"a writer lane is down\n")
                    return
                if path != "/metrics":
                    self.send_error(404, "only /metrics and /health are served here")
                    return
                self._send(200, snapshot_fn().encode(), "text/plain; version=0.0.4; charset=utf-8")

            def _send(
                self, status: int, body: bytes, kind: str = "text/plain; charset=utf-8"
            ) -> None:
                self.send_response(status)
                self.send_header("Content-Type", kind)
                self.send_header("Content-Length", str(len(body)))
                self.end_headers()
                self.wfile.write(body)

            def log_message(self, *_: object) -> None:
                return  # scrapes every few seconds would flood the log

        self._server = ThreadingHTTPServer((host, port), Handler)
        self._server.daemon_threads = True
        self.port = int(self._server.server_address[1])
        self._thread = threading.Thread(
            target=self._server.serve_forever, name="ingest-metrics", daemon=True
        )
        self._thread.start()
        self.started = time.time()

    def close(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
