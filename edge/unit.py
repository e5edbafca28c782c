"""The camera unit: frames in, events and evidence out, through the spool.

``CameraUnit.process`` does the per-frame work (detection, ring buffer, tamper) and packages an
event once its "after" frame is in the buffer. ``Forwarder`` drains the spool in order: it uploads
an event's files over HTTP(S), then publishes the event over MQTT with QoS 1, and only removes
it when both went through; whatever fails waits for the next attempt.
"""

from __future__ import annotations

import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from contracts.evidence import EventId
from edge.detector import Detection, LeftObjectDetector
from edge.evidence import EvidenceTools, event_files, manifest_of, package_event, read_event
from edge.ring import FrameRing
from edge.sources import Frame
from edge.spool import SpoolItem
from edge.tamper import TamperChange, TamperMonitor
from edge.uplink import DeliveryError, EvidenceRejectedError, EvidenceUploader, MqttLink

log = logging.getLogger(__name__)


@dataclass(slots=True)
class UnitCounters:
    """What the unit did since it started."""

    frames: int = 0
    events: int = 0
    tamper_alarms: int = 0
    delivered: int = 0
    rejected_uploads: int = 0
    emitted: list[SpoolItem] = field(default_factory=list)


class CameraUnit:
    """Per-frame processing of one camera."""

    def __init__(
        self, tools: EvidenceTools, *, on_tamper: Callable[[TamperChange], None] | None = None
    ) -> None:
        config = tools.config
        self.tools = tools
        self.detector = LeftObjectDetector(config)
        span = config.dwell_s + config.pre_event_s + config.post_event_s + 10.0
        self.ring = FrameRing(seconds=span, fps=config.clip_fps)
        self.tamper = TamperMonitor()
        self.counters = UnitCounters()
        self._pending: deque[Detection] = deque()
        self.tamper_changes: list[TamperChange] = []
        self._on_tamper = on_tamper

    def process(self, frame: Frame) -> list[SpoolItem]:
        """Handle one frame; returns the events that were queued on it."""
        config = self.tools.config
        self.counters.frames += 1
        self.ring.push(frame.ts, frame.image)
        active = config.is_active(frame.ts)
        detections = self.detector.update(
            frame.ts, frame.image, detect=active and not self.tamper.alarmed
        )
        change = self.tamper.update(frame.ts.timestamp(), self.detector.stats)
        if change.alarm is not None:
            self.tamper_changes.append(change)
            self.counters.tamper_alarms += int(change.alarm)
            if self._on_tamper is not None:
                self._on_tamper(change)
        if change.relearn:
            self.detector.reset()
        self._pending.extend(detections)
        emitted = []
        while self._pending and frame.ts >= self._pending[0].detected_at + timedelta(
            seconds=config.post_event_s
        ):
            detection = self._pending.popleft()
            item = package_event(detection, self.ring, self.tools)
            self.counters.events += 1
            emitted.append(item)
            log.info("dumping event %s queued (%s)", item.folder.name, detection.bbox)
        return emitted

    def flush(self, now: datetime) -> list[SpoolItem]:
        """Package detections still waiting for their "after" frame (the source ended)."""
        emitted = []
        while self._pending:
            emitted.append(package_event(self._pending.popleft(), self.ring, self.tools, now=now))
        return emitted


class Forwarder:
    """Delivers spooled events in order; unblurred originals only on an authorised request."""

    def __init__(self, tools: EvidenceTools, uploader: EvidenceUploader, link: MqttLink) -> None:
        self.tools = tools
        self.uploader = uploader
        self.link = link
        self.counters = UnitCounters()
        self._raw_requests: deque[str] = deque()
        self._lock = threading.Lock()
        self.wake = threading.Event()

    def request_raw(self, event_id: str) -> None:
        """Queue an authorised request for an event's unblurred originals."""
        with self._lock:
            self._raw_requests.append(event_id)
        self.wake.set()

    def on_command(self, command: dict[str, object]) -> None:
        """Handle a ``down/cmd`` message."""
        if command.get("cmd") == "upload_unblurred" and isinstance(command.get("event_id"), str):
            event_id = str(command["event_id"])
            EventIdCheck.validate(event_id)
            self.request_raw(event_id)
        else:
            log.warning("unknown command %r", command.get("cmd"))

    def deliver_one(self, item: SpoolItem) -> bool:
        """Files first, then the message; True when the event left the spool."""
        event = read_event(item)
        if not item.uploaded:
            manifest, signature = manifest_of(item)
            try:
                for name, path in event_files(item):
                    self.uploader.put_file(
                        event.event_id,
                        name,
                        path,
                        manifest_signature=signature if name == "manifest.json" else None,
                    )
            except EvidenceRejectedError as exc:
                # The server will never take these files; the event still goes out so the case
                # is known, and the server shows its evidence as incomplete.
                log.error("evidence of %s refused: %s", event.event_id, exc)
                self.counters.rejected_uploads += 1
            del manifest
            item.mark_uploaded()
        dropped = self.tools.spool.dropped
        payload = event.model_copy(update={"dropped_events": dropped}).model_dump_json().encode()
        if not self.link.publish_event(payload):
            return False
        self.tools.spool.reset_dropped(dropped)
        self.tools.spool.remove(item)
        self.counters.delivered += 1
        return True

    def _deliver_raw(self, event_id: str) -> None:
        for label in ("before", "during", "after"):
            name = f"raw-{label}.jpg"
            data = self.tools.vault.get(event_id, name)
            if data is None:
                log.warning("no original %s for %s (expired or never kept)", name, event_id)
                continue
            try:
                self.uploader.put(event_id, name, data)
            except EvidenceRejectedError as exc:
                log.error("original %s of %s refused: %s", name, event_id, exc)

    def run_once(self) -> int:
        """Deliver what can be delivered now; returns how many events went out."""
        delivered = 0
        try:
            for item in self.tools.spool.items():
                if not self.deliver_one(item):
                    break  # in order: a later event never overtakes an earlier one
                delivered += 1
            while True:
                with self._lock:
                    if not self._raw_requests:
                        break
                    event_id = self._raw_requests[0]
                self._deliver_raw(event_id)
                with self._lock:
                    self._raw_requests.popleft()
        except DeliveryError as exc:
            log.warning("delivery paused: %s", exc)
        return delivered

    def run(self, stop: threading.Event, *, retry_s: float) -> None:
        """Keep delivering until ``stop`` is set."""
        while not stop.is_set():
            self.run_once()
            self.wake.wait(retry_s)
            self.wake.clear()


class EventIdCheck:
    """Validates event ids arriving in commands before they name a file."""

    @staticmethod
    def validate(event_id: str) -> str:
        """Return the id or raise ``ValueError``."""
        from pydantic import TypeAdapter

        return TypeAdapter(EventId).validate_python(event_id)


def heartbeat(link: MqttLink, stop: threading.Event, *, every_s: float, unit: CameraUnit) -> None:
    """Publish status periodically, ``tamper`` while the alarm stands."""
    started = time.monotonic()
    while not stop.wait(every_s):
        state = "tamper" if unit.tamper.alarmed else "online"
        detail = f"frames={unit.counters.frames} events={unit.counters.events}"
        link.publish_status(state, detail, uptime_s=int(time.monotonic() - started))
