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
import zlib
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import paho.mqtt.client as mqtt
from paho.mqtt.reasoncodes import ReasonCode
from paho.mqtt.subscribeoptions import SubscribeOptions

from broker import connect, make_client
from contracts import up_subscription
from ingest.classify import Inbound
from ingest.health import HealthRules
from ingest.lorawan.path import LoRaWANPath, topics_for
from ingest.metrics import MetricsServer, render
from ingest.settings import IngestSettings
from ingest.writer import BatchWriter, OfflinePolicy, WriterStats

log = logging.getLogger(__name__)
_GATHER_S = 0.01  # how often a filling batch looks for more messages


def guarded(callback: Callable[..., None]) -> Callable[..., None]:
    """Wrap a paho callback so an exception is logged instead of killing the network thread."""

    def wrapper(*args: Any) -> None:
        try:
            callback(*args)
        except Exception:
            log.exception("MQTT callback %s failed; the service goes on", callback.__name__)

    wrapper.__name__ = callback.__name__
    return wrapper


@dataclass(slots=True)
class _Lane:
    """One writer with its own queue and database connection; a device always uses the same
    lane, so its messages are stored in the order they arrived."""

    writer: BatchWriter
    queue: queue.Queue[Inbound]
    alive: bool = True
    restarts: int = 0
    pending: list[Inbound] | None = None  # the batch in hand, written again after a restart


class IngestService:
    """Subscribe, queue, write in batches, acknowledge after commit."""

    def __init__(self, settings: IngestSettings) -> None:
        self.settings = settings
        self._stopping = threading.Event()
        self._generation = 0
        self._subscribed = threading.Event()
        self._lns = topics_for(root=settings.topic_root, prefix=settings.lorawan_topic_prefix)
        depth = max(settings.queue_max // settings.writers, 10)
        self._lanes = [
            _Lane(self._make_writer(), queue.Queue(maxsize=depth)) for _ in range(settings.writers)
        ]
        self.metrics: MetricsServer | None = None
        self.client = make_client(settings, client_id=settings.client_id)
        self.client.manual_ack_set(True)
        self.client.on_connect = guarded(self._on_connect)
        self.client.on_subscribe = guarded(self._on_subscribe)
        self.client.on_message = guarded(self._on_message)
        self.client.on_disconnect = guarded(self._on_disconnect)

    def _make_writer(self) -> BatchWriter:
        settings = self.settings
        return BatchWriter(
            database_url=settings.database_url.get_secret_value(),
            root=settings.topic_root,
            stop=self._stopping.is_set,
            method=settings.write_method,
            rules=HealthRules(fire_temperature_c=settings.fire_temperature_c),
            offline=OfflinePolicy(settings.offline_interval_s, settings.offline_factor),
            lorawan=LoRaWANPath(self._lns),
        )

    @property
    def writer(self) -> BatchWriter:
        """The first lane's writer (it also runs the offline sweep)."""
        return self._lanes[0].writer

    def stats(self) -> WriterStats:
        """Counters summed over every lane."""
        total = WriterStats()
        for lane in self._lanes:
            s = lane.writer.stats
            for name in (
                "received",
                "stored_readings",
                "duplicates",
                "dead_letters",
                "security_events",
                "events",
                "alerts_raised",
                "batches",
                "db_errors",
            ):
                setattr(total, name, getattr(total, name) + getattr(s, name))
            total.last_commit_lag_s = max(total.last_commit_lag_s, s.last_commit_lag_s)
            total.last_commit_at = max(total.last_commit_at, s.last_commit_at)
            total.isolations += s.isolations
            total.writer_restarts += lane.restarts
            total.lanes_dead += 0 if lane.alive else 1
        return total

    def healthy(self) -> bool:
        """True while every writer lane runs (a dead lane would strand its devices' messages)."""
        return all(lane.alive for lane in self._lanes)

    def queue_depth(self) -> int:
        """Messages received and not yet taken by a writer."""
        return sum(lane.queue.qsize() for lane in self._lanes)

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
        lns = self._lns.subscriptions(self.settings.share_group)  # LoRaWAN network servers
        # Retained messages on up/ are outside the contract: never replayed to ingest at
        # subscribe (retain handling 2), and a live one keeps its flag so it is dead-lettered.
        options = SubscribeOptions(qos=1, retainAsPublished=True, retainHandling=2)
        client.subscribe([(topic, options), *((f, SubscribeOptions(qos=1)) for f in lns)])
        log.info("connected to the broker; subscribing to %s and %s", topic, ", ".join(lns))

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
            retain=bool(message.retain),
        )
        parts = message.topic.split("/", 4)
        device = parts[3] if len(parts) > 3 else message.topic
        if self._lns.claims(message.topic):
            device = self._lns.lane_key(message.topic)  # one LoRaWAN device, one lane: in order
        lane = self._lanes[zlib.crc32(device.encode()) % len(self._lanes)]
        # Blocking put: when the writers fall behind, the network thread stops reading and
        # the broker keeps the backlog, instead of this process growing without bound.
        while not self._stopping.is_set():
            try:
                lane.queue.put(inbound, timeout=0.5)
                return
            except queue.Full:
                continue

    # --- writer (caller's thread) -----------------------------------------------------------
    def _next_batch(self, source: queue.Queue[Inbound]) -> list[Inbound]:
        """The messages waiting, up to a batch; once the first is in, whatever else arrives
        within ``batch_max_wait_s``, looked at every ``_GATHER_S`` rather than woken for each
        message (a wake-up per message cost more CPU than the message's own storing)."""
        batch: list[Inbound] = []
        try:
            batch.append(source.get(timeout=0.2))
        except queue.Empty:
            return batch
        size = self.settings.batch_size
        deadline = time.monotonic() + self.settings.batch_max_wait_s
        while True:
            try:
                while len(batch) < size:
                    batch.append(source.get_nowait())
            except queue.Empty:
                pass
            remaining = deadline - time.monotonic()
            if len(batch) >= size or remaining <= 0:
                return batch
            time.sleep(min(remaining, _GATHER_S))  # a batching window, not a wait for a result

    def _acknowledge(self, batch: list[Inbound]) -> None:
        for message in batch:
            if message.qos > 0 and message.generation == self._generation:
                self.client.ack(message.mid, message.qos)

    def wait_subscribed(self, timeout: float) -> bool:
        """Block until the subscription is active (tests; other processes ask ``/ready``)."""
        return self._subscribed.wait(timeout)

    def metrics_text(self) -> str:
        """The current metrics in Prometheus text format."""
        return render(self.stats(), self.queue_depth())

    def _start_metrics(self) -> None:
        if not self.settings.metrics_enabled:
            return
        try:
            self.metrics = MetricsServer(
                self.settings.metrics_host,
                self.settings.metrics_port,
                lambda: (self.stats(), self.queue_depth()),
                self.healthy,
                self._subscribed.is_set,
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
        """Run every lane's writer (the first in this thread) until stopped, then flush."""
        others = [
            threading.Thread(target=self._supervise, args=(lane, False), name=f"ingest-writer-{i}")
            for i, lane in enumerate(self._lanes[1:], start=1)
        ]
        for thread in others:
            thread.start()
        self._supervise(self._lanes[0], True)
        for thread in others:
            thread.join()

    def _supervise(self, lane: _Lane, sweep: bool) -> None:
        """Run a lane, restarting it when it fails: a lane that stopped would leave its devices'
        messages unstored and, once its queue filled, stop the whole ingest."""
        delay = 0.1
        while True:
            try:
                if lane.pending:  # unacknowledged, it would hold the broker's in-flight window
                    if lane.writer.write(lane.pending):  # stored once: a rewrite is idempotent
                        self._acknowledge(lane.pending)
                    lane.pending = None
                self._run_lane(lane, sweep)
            except Exception:
                lane.alive = False
                lane.restarts += 1
                log.critical(
                    "ALARM: an ingest writer lane failed (restart %d); restarting it",
                    lane.restarts,
                    exc_info=True,
                )
                if self._stopping.wait(delay):  # back-off before the restart, or stop
                    return
                delay = min(delay * 2, 5.0)
                lane.writer.close()  # a fresh connection: the old one may be in any state
                lane.alive = True
                continue
            return

    def _run_lane(self, lane: _Lane, sweep: bool) -> None:
        next_sweep = time.monotonic() + self.settings.offline_check_s
        while not self._stopping.is_set():
            batch = lane.pending = self._next_batch(lane.queue)
            if batch and lane.writer.write(batch):
                self._acknowledge(batch)
            lane.pending = None
            if sweep and time.monotonic() >= next_sweep:
                next_sweep = time.monotonic() + self.settings.offline_check_s
                lane.writer.sweep_offline()
        while True:  # flush: everything received before the stop is stored and acknowledged
            batch = self._next_batch(lane.queue)
            if not batch or not lane.writer.write(batch):
                break
            self._acknowledge(batch)

    def stop(self) -> None:
        """Ask the writer loop to finish."""
        self._stopping.set()

    def close(self) -> None:
        """Disconnect and release resources."""
        self.client.disconnect()
        self.client.loop_stop()
        for lane in self._lanes:
            lane.writer.close()
        if self.metrics is not None:
            self.metrics.close()

    def run_forever(self) -> None:
        """Start, write until ``stop()``, then close."""
        self.start()
        try:
            self.run_writer()
        finally:
            self.close()
