"""The ingest service: a thin paho adapter feeding a bounded queue that one writer drains.

Acknowledgements go to the broker only after the batch holding the message has committed
(manual ack), and the session is persistent, so a crash between receipt and commit loses
nothing: the broker delivers the message again and the idempotent write stores it once.
"""

from __future__ import annotations

import logging
import queue
import threading
import time
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode

from contracts.mqtt_client import connect, make_client
from contracts.topics import up_subscription
from ingest.classify import Inbound
from ingest.health import HealthRules
from ingest.metrics import MetricsServer, render
from ingest.settings import IngestSettings
from ingest.writer import BatchWriter, OfflinePolicy

log = logging.getLogger(__name__)


def guarded(callback: Callable[..., None]) -> Callable[..., None]:
    """Wrap a paho callback so an exception is logged instead of killing the network thread."""

    def wrapper(*args: Any) -> None:
        try:
            callback(*args)
        except Exception:
            log.exception("MQTT callback %s failed; the service goes on", callback.__name__)

    wrapper.__name__ = callback.__name__
    return wrapper


class IngestService:
    """Subscribe, queue, write in batches, acknowledge after commit."""

    def __init__(self, settings: IngestSettings) -> None:
        self.settings = settings
        self.queue: queue.Queue[Inbound] = queue.Queue(maxsize=settings.queue_max)
        self._stopping = threading.Event()
        self._generation = 0
        self._subscribed = threading.Event()
        self.writer = BatchWriter(
            database_url=settings.database_url.get_secret_value(),
            root=settings.topic_root,
            stop=self._stopping.is_set,
            method=settings.write_method,
            rules=HealthRules(fire_temperature_c=settings.fire_temperature_c),
            offline=OfflinePolicy(settings.offline_interval_s, settings.offline_factor),
        )
        self.metrics: MetricsServer | None = None
        self.client = make_client(settings, client_id=settings.client_id)
        self.client.manual_ack_set(True)
        self.client.on_connect = guarded(self._on_connect)
        self.client.on_subscribe = guarded(self._on_subscribe)
        self.client.on_message = guarded(self._on_message)
        self.client.on_disconnect = guarded(self._on_disconnect)

    # --- paho callbacks (network thread) -------------------------------------------------
    def _on_connect(
        self, client: mqtt.Client, _u: object, _f: object, reason: ReasonCode, _p: object
    ) -> None:
        if reason.is_failure:
            log.error("broker refused the connection: %s", reason)
            return
        self._generation += 1
        topic = up_subscription(
            root=self.settings.topic_root, share_group=self.settings.share_group
        )
        client.subscribe(topic, qos=1)
        log.info("connected to the broker; subscribing to %s", topic)

    def _on_subscribe(self, *_: object) -> None:
        self._subscribed.set()

    def _on_disconnect(self, *args: object) -> None:
        log.warning(
            "disconnected from the broker (%s); paho reconnects", args[3] if len(args) > 3 else ""
        )

    def _on_message(self, _c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        inbound = Inbound(
            topic=message.topic,
            payload=bytes(message.payload),
            received_at=datetime.now(UTC),
            mid=message.mid,
            qos=message.qos,
            generation=self._generation,
        )
        # Blocking put: when the writer falls behind, the network thread stops reading and
        # the broker keeps the backlog, instead of this process growing without bound.
        while not self._stopping.is_set():
            try:
                self.queue.put(inbound, timeout=0.5)
                return
            except queue.Full:
                continue

    # --- writer (caller's thread) -----------------------------------------------------------
    def _next_batch(self) -> list[Inbound]:
        batch: list[Inbound] = []
        try:
            batch.append(self.queue.get(timeout=0.2))
        except queue.Empty:
            return batch
        deadline = datetime.now(UTC).timestamp() + self.settings.batch_max_wait_s
        while len(batch) < self.settings.batch_size:
            remaining = deadline - datetime.now(UTC).timestamp()
            try:
                batch.append(
                    self.queue.get(timeout=max(remaining, 0))
                    if remaining > 0
                    else self.queue.get_nowait()
                )
            except queue.Empty:
                break
        return batch

    def _acknowledge(self, batch: list[Inbound]) -> None:
        for message in batch:
            if message.qos > 0 and message.generation == self._generation:
                self.client.ack(message.mid, message.qos)

    def wait_subscribed(self, timeout: float) -> bool:
        """Block until the subscription is active (used by tests and the demo)."""
        return self._subscribed.wait(timeout)

    def metrics_text(self) -> str:
        """The current metrics in Prometheus text format."""
        return render(self.writer.stats, self.queue.qsize())

    def _start_metrics(self) -> None:
        if not self.settings.metrics_enabled:
            return
        try:
            self.metrics = MetricsServer(
                self.settings.metrics_host, self.settings.metrics_port, self.metrics_text
            )
        except OSError as exc:  # a port in use must not stop ingest: data first, metrics second
            log.error("metrics not served on port %s: %s", self.settings.metrics_port, exc)
            return
        log.info("metrics on http://%s:%d/metrics", self.settings.metrics_host, self.metrics.port)

    def start(self) -> None:
        """Serve metrics, connect and start the network thread."""
        self._start_metrics()
        connect(
            self.client,
            self.settings,
            persistent=True,
            session_expiry_s=self.settings.session_expiry_s,
            receive_maximum=self.settings.receive_maximum,
        )
        self.client.loop_start()

    def run_writer(self) -> None:
        """Drain the queue until stopped; then flush what was received."""
        next_sweep = time.monotonic() + self.settings.offline_check_s
        while not self._stopping.is_set():
            batch = self._next_batch()
            if batch and self.writer.write(batch):
                self._acknowledge(batch)
            if time.monotonic() >= next_sweep:
                self.writer.sweep_offline()
                next_sweep = time.monotonic() + self.settings.offline_check_s
        while True:  # flush: everything received before the stop is stored and acknowledged
            batch = self._next_batch()
            if not batch or not self.writer.write(batch):
                break
            self._acknowledge(batch)

    def stop(self) -> None:
        """Ask the writer loop to finish."""
        self._stopping.set()

    def close(self) -> None:
        """Disconnect and release resources."""
        self.client.disconnect()
        self.client.loop_stop()
        self.writer.close()
        if self.metrics is not None:
            self.metrics.close()

    def run_forever(self) -> None:
        """Start, write until ``stop()``, then close."""
        self.start()
        try:
            self.run_writer()
        finally:
            self.close()
