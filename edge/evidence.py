"""Turn a detection into an evidence package: blurred frames, a clip, a signed manifest.

The blurred JPEGs (before / during / after) and a short MJPEG clip go to the server; the three
unblurred originals are sealed in the ``RawVault`` and only listed (by hash) in the manifest, so
that when an authorised request brings them to the server later they can be checked against
the same signature.
"""

from __future__ import annotations

import json
import uuid
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Protocol

import cv2
import numpy as np
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from contracts import (
    DumpingEvent,
    EvidenceFile,
    EvidenceManifest,
    WithheldFile,
    manifest_bytes,
    sha256_hex,
    sign,
)
from edge.config import CameraConfig
from edge.detector import Detection
from edge.privacy import PrivacyFilter
from edge.ring import Snapshot
from edge.spool import Spool, SpoolItem
from edge.vault import RawVault

MANIFEST = "manifest.json"
EVENT = "event.json"


@dataclass(frozen=True, slots=True)
class EvidenceTools:
    """What packaging needs from the unit."""

    config: CameraConfig
    privacy: PrivacyFilter
    key: Ed25519PrivateKey
    vault: RawVault
    spool: Spool


class Frames(Protocol):
    """Buffered frames to package from: the ring itself, or a copy taken from it."""

    def between(self, start: datetime, end: datetime) -> list[Snapshot]:
        """Frames with ``start <= ts <= end``."""
        ...

    def nearest(self, moment: datetime) -> Snapshot | None:
        """The frame closest in time to ``moment``."""
        ...


def _jpeg(image: np.ndarray) -> bytes:
    ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 90])
    if not ok:
        raise RuntimeError("JPEG encoding failed")
    return buffer.tobytes()


def _half(image: np.ndarray) -> np.ndarray:
    return cv2.resize(
        image, (image.shape[1] // 2, image.shape[0] // 2), interpolation=cv2.INTER_AREA
    )


def _clip(path: Path, frames: list[np.ndarray], fps: float) -> None:
    height, width = frames[0].shape[:2]
    writer = cv2.VideoWriter(str(path), cv2.VideoWriter.fourcc(*"MJPG"), fps, (width, height))
    try:
        for frame in frames:
            writer.write(frame)
    finally:
        writer.release()


def package_event(
    detection: Detection,
    ring: Frames,
    tools: EvidenceTools,
    *,
    now: datetime | None = None,
    event_id: str | None = None,
) -> SpoolItem:
    """Build, sign and queue one event; nothing unblurred is written outside the vault.

    ``event_id`` names an event announced elsewhere (the simulated city's cameras); a unit
    leaves it out and gets a fresh one.
    """
    config = tools.config
    event_id = event_id or str(uuid.uuid4())
    seq = tools.spool.next_seq()
    before_at = detection.started_at - timedelta(seconds=config.pre_event_s)
    after_at = detection.detected_at + timedelta(seconds=config.post_event_s)
    moments = {
        "before": before_at,
        "during": detection.started_at,
        "after": after_at,
    }
    staging = tools.spool.staging(seq, event_id)
    files: list[EvidenceFile] = []
    withheld: list[WithheldFile] = []
    for label, moment in moments.items():
        snapshot = ring.nearest(moment)
        if snapshot is None:
            continue
        raw = snapshot.jpeg
        tools.vault.put(event_id, f"raw-{label}.jpg", raw)
        withheld.append(
            WithheldFile.model_validate(
                {
                    "name": f"raw-{label}.jpg",
                    "kind": f"raw_{label}",
                    "sha256": sha256_hex(raw),
                    "size_bytes": len(raw),
                }
            )
        )
        safe = _jpeg(tools.privacy.apply(snapshot.image()))
        (staging / f"{label}.jpg").write_bytes(safe)
        files.append(
            EvidenceFile.model_validate(
                {
                    "name": f"{label}.jpg",
                    "kind": f"frame_{label}",
                    "sha256": sha256_hex(safe),
                    "size_bytes": len(safe),
                }
            )
        )
    # The clip shows the act: from before the object appeared until it had been put down.
    # The long wait while it merely lay there is in the stills.
    clip_end = detection.started_at + timedelta(seconds=config.clip_after_start_s)
    clip_frames: list[Snapshot] = ring.between(before_at, min(clip_end, after_at))
    if clip_frames:
        clip_path = staging / "clip.avi"
        # The clip shows the context at half size; the stills carry the full detail. Faces
        # and plates are searched at full size, before halving makes them too small to find.
        _clip(
            clip_path,
            [_half(tools.privacy.apply(s.image())) for s in clip_frames],
            config.clip_fps,
        )
        data = clip_path.read_bytes()
        files.append(
            EvidenceFile(
                name="clip.avi", kind="clip", sha256=sha256_hex(data), size_bytes=len(data)
            )
        )
    manifest = EvidenceManifest(
        device_id=config.device_id,
        event_id=event_id,
        hotspot_id=config.hotspot_id,
        started_at=detection.started_at,
        detected_at=detection.detected_at,
        created_at=now or datetime.now(UTC),
        files=files,
        withheld=withheld,
    )
    signed = manifest_bytes(manifest)
    signature = sign(tools.key, signed)
    (staging / MANIFEST).write_bytes(signed)
    event = DumpingEvent(
        device_id=config.device_id,
        event_id=event_id,
        seq=seq,
        hotspot_id=config.hotspot_id,
        started_at=detection.started_at,
        detected_at=detection.detected_at,
        bbox=detection.bbox,
        object_area_px=detection.area_px,
        person_present=detection.person_present,
        vehicle_present=detection.vehicle_present,
        score=detection.score,
        files=files,
        manifest_sha256=sha256_hex(signed),
        signature_b64=signature,
    )
    (staging / EVENT).write_text(event.model_dump_json(), "utf-8")
    return tools.spool.commit(staging)


def read_event(item: SpoolItem) -> DumpingEvent:
    """The event waiting in a spool folder."""
    return DumpingEvent.model_validate_json((item.folder / EVENT).read_bytes())


def event_files(item: SpoolItem) -> list[tuple[str, Path]]:
    """The files to upload for a spooled event, manifest first."""
    event = read_event(item)
    return [(MANIFEST, item.folder / MANIFEST)] + [
        (f.name, item.folder / f.name) for f in event.files
    ]


def manifest_of(item: SpoolItem) -> tuple[bytes, str]:
    """The signed manifest bytes and their signature."""
    event = read_event(item)
    assert event.signature_b64 is not None
    return (item.folder / MANIFEST).read_bytes(), event.signature_b64


def dumps(data: object) -> bytes:
    """Compact JSON bytes for MQTT."""
    return json.dumps(data, separators=(",", ":")).encode()
