"""Evidence for the demo's simulated detections, made by the camera unit's own pipeline.

The simulated city announces a dumping detection the way a camera does (``up/event``), but a
simulation has no pictures. For each such detection this worker renders the scene of a dump at
that hotspot (``edge.synthetic``), keeps its frames in the unit's frame ring, and lets the unit's
packaging (``edge.evidence.package_event``) blur faces and plates, cut the before / during /
after stills and the clip, and sign the manifest with the camera's key. The unit's uploader then
sends manifest and files to the API exactly as a camera in the street does, so the enforcement
queue of the demo shows real, verifiable evidence.

Only for the demo: the cameras' keys are made afresh for each run and enrolled as their active
key, as ``nettestad evidence enrol`` does.
"""

from __future__ import annotations

import hashlib
import logging
import secrets
import tempfile
import threading
from datetime import timedelta
from pathlib import Path
from typing import Any

from db import dumping

log = logging.getLogger(__name__)
SCENE_FPS = 2.0
SCENE_S = 40.0
BATCH = 4  # detections per pass: the pipeline shares the demo's CPU with everything else


class DemoCameras:
    """One camera unit's packaging and uploader per simulated camera, keys enrolled once."""

    def __init__(self, *, database_url: str, api_url: str, folder: Path) -> None:
        self.database_url = database_url
        self.api_url = api_url
        self.folder = folder
        self._units: dict[str, Any] = {}
        self._failed: set[str] = set()  # refused for good: not tried again in this run
        self.delivered = 0

    def _unit(self, conn: Any, device_id: str, hotspot_id: str) -> Any:
        """The camera's tools and uploader (a fresh key, enrolled as the camera's active one)."""
        if device_id in self._units:
            return self._units[device_id]
        from contracts import public_key_bytes
        from db.evidence import register_key
        from edge import (
            CameraConfig,
            DeviceSecret,
            EdgeSettings,
            EvidenceTools,
            EvidenceUploader,
            PrivacyFilter,
            RawVault,
            Spool,
            load_or_create_key,
        )

        home = self.folder / device_id
        home.mkdir(parents=True, exist_ok=True)
        secret_file = home / "device.secret"
        if not secret_file.exists():
            secret_file.write_bytes(secrets.token_bytes(32))
            secret_file.chmod(0o600)
        secret = DeviceSecret(secret_file.read_bytes())
        key = load_or_create_key(home / "device.key", secret)
        register_key(conn=conn, device_id=device_id, public_key=public_key_bytes(key))
        conn.commit()
        config = CameraConfig(device_id=device_id, hotspot_id=hotspot_id, source="demo")
        tools = EvidenceTools(
            config=config,
            privacy=PrivacyFilter(config),
            key=key,
            vault=RawVault(home / "vault", retention_days=1, secret=secret),
            spool=Spool(home / "spool", max_events=50, max_bytes=200 * 1024 * 1024),
        )
        settings = EdgeSettings(api_url=self.api_url, data_dir=home)
        uploader = EvidenceUploader(settings, device_id=device_id, key=key)
        self._units[device_id] = (tools, uploader)
        return tools, uploader

    def evidence_for(self, conn: Any, event: dumping.Announced) -> None:
        """Render the dump's scene, package it with the unit's pipeline, upload manifest and files."""
        from edge import (
            Detection,
            FrameRing,
            event_files,
            make_scene,
            manifest_of,
            package_event,
            render,
        )

        tools, uploader = self._unit(conn, event.device_id, event.hotspot_id)
        seed = int.from_bytes(hashlib.sha256(event.event_id.encode()).digest()[:4], "big")
        kind = "drop_car" if event.vehicle_present else "drop"
        spec = make_scene(event.event_id, kind, seed=seed, duration_s=SCENE_S, fps=SCENE_FPS)
        dropped_at_s = spec.truth[0].at_s if spec.truth else SCENE_S / 3
        ring = FrameRing(seconds=SCENE_S + 5, fps=SCENE_FPS)
        for t, image in render(spec):
            ring.push(event.started_at + timedelta(seconds=t - dropped_at_s), image)
        truth = spec.truth[0].bbox if spec.truth else event.bbox
        detection = Detection(
            track_id=1,
            started_at=event.started_at,
            detected_at=event.detected_at,
            bbox=truth,
            area_px=truth[2] * truth[3],
            score=event.score,
            person_present=event.person_present,
            vehicle_present=event.vehicle_present,
        )
        item = package_event(detection, ring, tools, event_id=event.event_id)
        _manifest, signature = manifest_of(item)
        for name, path in event_files(item):
            uploader.put_file(
                event.event_id,
                name,
                path,
                manifest_signature=signature if name == "manifest.json" else None,
            )
        # The simulated city already announced the event; the unit's copy is not sent again.
        tools.spool.remove(item)
        self.delivered += 1

    def run_once(self, stop: threading.Event | None = None) -> int:
        """Give evidence to the newest detections still without it; returns how many.

        Stops between two detections once ``stop`` is set: packaging one takes seconds of CPU,
        and a whole batch would outlast the demo's shutdown on a busy machine.
        """
        from db import connect
        from edge import DeliveryError, EvidenceRejectedError

        done = 0
        with connect(self.database_url) as conn:
            events = dumping.without_evidence(conn=conn, limit=BATCH + len(self._failed))
            for event in [e for e in events if e.event_id not in self._failed][:BATCH]:
                if stop is not None and stop.is_set():
                    break
                try:
                    self.evidence_for(conn, event)
                    done += 1
                except DeliveryError as exc:
                    log.warning("demo evidence for %s delayed: %s", event.event_id, exc)
                except (EvidenceRejectedError, OSError, ValueError) as exc:
                    log.warning("no demo evidence for %s: %s", event.event_id, exc)
                    self._failed.add(event.event_id)
        return done

    def run(self, stop: threading.Event, *, every_s: float = 5.0) -> None:
        """Keep up with new detections until ``stop`` is set."""
        while not stop.is_set():
            try:
                self.run_once(stop)
            except Exception:  # a demo helper must never take the demo down
                log.exception("demo evidence pass failed")
            stop.wait(every_s)

    def close(self) -> None:
        """Close the uploaders' connections."""
        for _tools, uploader in self._units.values():
            uploader.close()


def start(database_url: str, api_url: str) -> tuple[threading.Thread, threading.Event, DemoCameras]:
    """Run the demo cameras in a background thread; set the event to stop them."""
    folder = Path(tempfile.mkdtemp(prefix="nettestad-demo-cameras-"))
    cameras = DemoCameras(database_url=database_url, api_url=api_url, folder=folder)
    stop = threading.Event()
    thread = threading.Thread(target=cameras.run, args=(stop,), name="demo-cameras", daemon=True)
    thread.start()
    return thread, stop, cameras
