"""The camera unit: frames in, events and evidence out, through the spool.

``CameraUnit.process`` does the per-frame work (detection, ring buffer, tamper) and, once an
event's "after" frame is in the buffer, hands the event with a copy of the buffered frames to a
``Packager``. Packaging (blurring, encoding the clip, signing: seconds of CPU) runs inline by
default (evaluation, replay) and on a ``PackagingWorker`` thread in a running unit, so the frame
loop never waits for it; the worker's queue is bounded and what does not fit waits, sealed, in
an on-disk ``Backlog``. ``Forwarder`` drains the spool in order: it uploads an event's files over
HTTP(S), then publishes the event over MQTT with QoS 1, and only removes it when both went
through; whatever fails waits for the next attempt. It also carries out the server's commands:
upload an event's originals (after a second officer's approval), hold or release them.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import threading
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from typing import Any, Protocol

from contracts import EventId
from edge.detector import Detection, LeftObjectDetector
from edge.evidence import EvidenceTools, event_files, manifest_of, package_event, read_event
from edge.ring import FrameRing, Snapshot
from edge.sources import Frame
from edge.spool import Backlog, BacklogEntry, SpoolItem
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


class FrozenFrames:
    """The buffered frames one event needs, copied out of the ring so the ring can move on."""

    def __init__(self, snapshots: list[Snapshot]) -> None:
        self._frames = snapshots

    def between(self, start: datetime, end: datetime) -> list[Snapshot]:
        """Frames with ``start <= ts <= end``."""
        return [s for s in self._frames if start <= s.ts <= end]

    def nearest(self, moment: datetime) -> Snapshot | None:
        """The frame closest in time to ``moment``."""
        if not self._frames:
            return None
        return min(self._frames, key=lambda s: abs((s.ts - moment).total_seconds()))

    @property
    def snapshots(self) -> list[Snapshot]:
        """All frames, oldest first."""
        return list(self._frames)


@dataclass(frozen=True, slots=True)
class PackagingJob:
    """A detection ready to be packaged, with its frames."""

    detection: Detection
    frames: FrozenFrames
    now: datetime | None = None


class Packager(Protocol):
    """Turns jobs into spooled events."""

    def submit(self, job: PackagingJob) -> list[SpoolItem]:
        """Take a job; returns the events packaged during the call (none when deferred)."""
        ...


class InlinePackager:
    """Packages on the caller's thread (evaluation and replay, where timing is the point)."""

    def __init__(self, tools: EvidenceTools) -> None:
        self.tools = tools

    def submit(self, job: PackagingJob) -> list[SpoolItem]:
        """Package now."""
        return [package_event(job.detection, job.frames, self.tools, now=job.now)]


def _encode_job(job: PackagingJob) -> tuple[bytes, list[bytes]]:
    fields: dict[str, Any] = {}
    for f in dataclasses.fields(job.detection):
        value = getattr(job.detection, f.name)
        fields[f.name] = {"dt": value.isoformat()} if isinstance(value, datetime) else value
    snapshots = job.frames.snapshots
    meta = {
        "detection": fields,
        "now": job.now.isoformat() if job.now else None,
        "ts": [s.ts.isoformat() for s in snapshots],
    }
    return json.dumps(meta).encode(), [s.jpeg for s in snapshots]


def _decode_job(entry: BacklogEntry) -> PackagingJob:
    meta = json.loads(entry.meta)
    fields: dict[str, Any] = {
        name: datetime.fromisoformat(value["dt"])
        if isinstance(value, dict) and "dt" in value
        else tuple(value)
        if isinstance(value, list)
        else value
        for name, value in meta["detection"].items()
    }
    frames = [
        Snapshot(datetime.fromisoformat(ts), jpeg)
        for ts, jpeg in zip(meta["ts"], entry.frames, strict=True)
    ]
    now = datetime.fromisoformat(meta["now"]) if meta["now"] else None
    return PackagingJob(Detection(**fields), FrozenFrames(frames), now)


class PackagingWorker:
    """Packages events on a thread of its own, so the frame loop never waits for it.

    At most ``max_queued`` jobs wait in memory; the rest go to the on-disk ``backlog`` (sealed),
    and once anything is there new jobs follow it, so events keep their order. Nothing is
    dropped when the worker is busy; a unit that stops leaves what is left in the backlog, and
    the next start packages it.
    """

    def __init__(
        self,
        tools: EvidenceTools,
        *,
        backlog: Backlog,
        max_queued: int = 2,
        on_packaged: Callable[[SpoolItem], None] | None = None,
        package: Callable[..., SpoolItem] = package_event,
    ) -> None:
        if max_queued < 1:
            raise ValueError("max_queued must be at least 1")
        self.tools = tools
        self.backlog = backlog
        self.max_queued = max_queued
        self.on_packaged = on_packaged
        self._package = package
        self.packaged: list[SpoolItem] = []
        self.failed = 0
        self._memory: deque[PackagingJob] = deque()
        self._busy = False
        self._stopping = False
        self._cond = threading.Condition()
        self._thread = threading.Thread(target=self._run, name="packaging", daemon=True)

    def start(self) -> None:
        """Start the thread (it first packages what an earlier run left in the backlog)."""
        self._thread.start()

    def submit(self, job: PackagingJob) -> list[SpoolItem]:
        """Queue a job without waiting for it to be packaged."""
        with self._cond:
            if len(self._memory) < self.max_queued and not len(self.backlog):
                self._memory.append(job)
            else:
                meta, frames = _encode_job(job)
                self.backlog.push(meta, frames)
            self._cond.notify_all()
        return []

    @property
    def waiting(self) -> int:
        """Jobs not yet packaged (in memory, on disk, or being packaged)."""
        with self._cond:
            return len(self._memory) + len(self.backlog) + int(self._busy)

    def drain(self, timeout: float) -> bool:
        """Wait until every submitted job is packaged; False when ``timeout`` ran out first."""
        deadline = time.monotonic() + timeout
        with self._cond:
            while self._memory or self._busy or len(self.backlog):
                left = deadline - time.monotonic()
                if left <= 0:
                    return False
                self._cond.wait(left)
        return True

    def stop(self, timeout: float = 30.0) -> None:
        """Finish the current job; jobs still in memory go to the backlog for the next start."""
        with self._cond:
            self._stopping = True
            while self._memory:  # they came before anything in the backlog: put them ahead
                meta, frames = _encode_job(self._memory.pop())
                self.backlog.push(meta, frames, first=True)
            self._cond.notify_all()
        self._thread.join(timeout)

    def _next(self) -> tuple[PackagingJob, BacklogEntry | None] | None:
        with self._cond:
            while not self._stopping and not self._memory and not len(self.backlog):
                self._cond.wait()
            if self._stopping:
                return None
            self._busy = True
            if self._memory:
                return self._memory.popleft(), None
            entry = self.backlog.oldest()
        assert entry is not None  # only this thread removes backlog entries
        return _decode_job(entry), entry

    def _run(self) -> None:
        while (work := self._next()) is not None:
            job, entry = work
            item: SpoolItem | None = None
            try:
                item = self._package(job.detection, job.frames, self.tools, now=job.now)
            except Exception:  # a job that cannot be packaged must not stop the others
                log.exception("packaging an event failed; it is dropped")
                self.failed += 1
            with self._cond:
                if entry is not None:
                    self.backlog.remove(entry)
                if item is not None:
                    self.packaged.append(item)
                self._busy = False
                self._cond.notify_all()
            if item is not None:
                log.info("dumping event %s queued (%s)", item.folder.name, job.detection.bbox)
                if self.on_packaged is not None:
                    self.on_packaged(item)


class CameraUnit:
    """Per-frame processing of one camera."""

    def __init__(
        self,
        tools: EvidenceTools,
        *,
        on_tamper: Callable[[TamperChange], None] | None = None,
        packager: Packager | None = None,
    ) -> None:
        config = tools.config
        self.packager: Packager = packager or InlinePackager(tools)
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
            emitted += self._hand_over(self._pending.popleft(), None)
        return emitted

    def _hand_over(self, detection: Detection, now: datetime | None) -> list[SpoolItem]:
        # A copy of references to the buffered (immutable) snapshots: cheap, and the ring can
        # move on while the packager works.
        whole = timedelta(days=1)  # far more than the ring holds: all of it
        frames = FrozenFrames(
            self.ring.between(detection.started_at - whole, detection.detected_at + whole)
        )
        self.counters.events += 1
        return self.packager.submit(PackagingJob(detection, frames, now))

    def flush(self, now: datetime) -> list[SpoolItem]:
        """Hand over detections still waiting for their "after" frame (the source ended)."""
        emitted = []
        while self._pending:
            emitted += self._hand_over(self._pending.popleft(), now)
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
        cmd, event_id = command.get("cmd"), command.get("event_id")
        if cmd == "upload_unblurred" and isinstance(event_id, str):
            self.request_raw(EventIdCheck.validate(event_id))
        elif (
            cmd == "legal_hold"
            and isinstance(event_id, str)
            and isinstance(command.get("hold"), bool)
            and isinstance(command.get("case_number"), str)
        ):
            case_number = CaseNumberCheck.validate(str(command["case_number"]))
            if command["hold"]:
                self.tools.vault.hold(EventIdCheck.validate(event_id), case_number=case_number)
            else:
                self.tools.vault.release(EventIdCheck.validate(event_id), case_number=case_number)
        else:
            log.warning("unknown command %r", cmd)

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


class CaseNumberCheck:
    """Validates case numbers arriving in commands before they are written on the unit."""

    @staticmethod
    def validate(case_number: str) -> str:
        """Return the case number or raise ``ValueError``."""
        if not (0 < len(case_number) <= 40 and case_number.replace("-", "").isalnum()):
            raise ValueError(f"not a case number: {case_number!r}")
        return case_number


def heartbeat(link: MqttLink, stop: threading.Event, *, every_s: float, unit: CameraUnit) -> None:
    """Publish status periodically, ``tamper`` while the alarm stands."""
    started = time.monotonic()
    while not stop.wait(every_s):
        state = "tamper" if unit.tamper.alarmed else "online"
        detail = f"frames={unit.counters.frames} events={unit.counters.events}"
        link.publish_status(state, detail, uptime_s=int(time.monotonic() - started))
