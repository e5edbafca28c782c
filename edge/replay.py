"""``nettestad edge replay VIDEO``: the whole camera unit over a recorded file, offline.

Every frame goes through the same ``CameraUnit`` as on the street (detector, ring buffer, tamper
monitor, event packaging with face and plate blurring, signing), with no broker and no upload:
the evidence is packaged into a scratch folder that is removed afterwards. For operators tuning
a camera file, and for checking the detector on real footage.

Output (only once the whole file was read; a bad file prints nothing on stdout): one JSON line
per event with ``start_frame`` (the object appeared), ``left_frame`` (whoever brought it had
gone), ``detected_frame``, ``bbox`` and ``score``, then a summary line with ``frames``,
``fps_cpu`` (frames per CPU second of this process) and ``peak_rss_mib``.
"""

from __future__ import annotations

import json
import os
import resource
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
from pydantic import ValidationError

from edge.config import CameraConfig, load_config
from edge.detector import Detection, LeftObjectDetector
from edge.faces import ModelError

EPOCH = datetime(2026, 1, 1, tzinfo=UTC)
MISSING_FRAMES_TOLERATED = 2  # containers often announce a frame or two more than they hold


class ReplayError(Exception):
    """The video, the camera file or a model cannot be used; the message says which and why."""


class _RecordingDetector(LeftObjectDetector):
    """The unit's detector, keeping what it reported (with the moment the owner left)."""

    def __init__(self, config: CameraConfig) -> None:
        super().__init__(config)
        self.reported: list[Detection] = []

    def update(self, ts: datetime, image: np.ndarray, *, detect: bool = True) -> list[Detection]:
        """As the detector's, remembering each detection."""
        found = super().update(ts, image, detect=detect)
        self.reported.extend(found)
        return found


@dataclass(frozen=True, slots=True)
class ReplayResult:
    """What a replay found and what it cost."""

    events: list[dict[str, Any]]
    frames: int
    fps_cpu: float
    peak_rss_mib: float

    def lines(self) -> list[str]:
        """The JSON lines printed by the command."""
        summary = {
            "frames": self.frames,
            "fps_cpu": round(self.fps_cpu, 1),
            "peak_rss_mib": round(self.peak_rss_mib, 1),
            "events": len(self.events),
        }
        return [json.dumps(e, separators=(",", ":")) for e in self.events] + [
            json.dumps(summary, separators=(",", ":"))
        ]


def _config(path: Path | None, width: int, height: int) -> CameraConfig:
    if path is None:
        try:
            return CameraConfig(device_id="replay", hotspot_id="replay", width=width, height=height)
        except ValidationError as exc:
            raise ReplayError(f"the video's frame size {width}x{height} is not supported") from exc
    try:
        return load_config(path)
    except OSError as exc:
        raise ReplayError(f"cannot read the camera file {path}: {exc.strerror}") from exc
    except ValueError as exc:  # invalid JSON or a ValidationError
        if isinstance(exc, ValidationError):
            error = exc.errors()[0]
            where = "".join(f"{p}: " for p in error["loc"][:1])
            message = str(error["msg"]).removeprefix("Value error, ")
            raise ReplayError(f"camera file {path}: {where}{message}") from exc
        raise ReplayError(f"camera file {path} is not valid JSON: {exc}") from exc


@contextmanager
def _codec_quiet() -> Iterator[None]:
    """Keep what the video libraries print themselves (OpenCV's own AVI reader writes its
    complaints straight to the process's error stream, past any log level) off stderr: the
    command says what went wrong in one line of its own."""
    sys.stderr.flush()
    saved = os.dup(2)
    sink = os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(sink, 2)
        yield
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(sink)


def _probe(video: Path) -> tuple[int, int, int]:
    import cv2

    if not video.is_file():
        raise ReplayError(f"no video file at {video}")
    with _codec_quiet():
        capture = cv2.VideoCapture(str(video))
    try:
        if not capture.isOpened():
            raise ReplayError(f"cannot open {video} as a video (corrupt or unknown format)")
        width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
        height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
        count = int(capture.get(cv2.CAP_PROP_FRAME_COUNT))
    finally:
        capture.release()
    if width <= 0 or height <= 0:
        raise ReplayError(f"{video} has no readable video stream")
    return width, height, max(count, 0)


def replay(video: Path, *, config_path: Path | None = None) -> ReplayResult:
    """Run a fresh camera unit over every frame of ``video``; raises ``ReplayError``."""
    os.environ.setdefault("OPENCV_FFMPEG_LOGLEVEL", "-8")  # our one line, not the codec's
    import cv2
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

    from edge.evidence import EvidenceTools
    from edge.privacy import PrivacyFilter
    from edge.sources import OpenCvSource
    from edge.spool import Spool
    from edge.unit import CameraUnit
    from edge.vault import RawVault

    cv2.utils.logging.setLogLevel(cv2.utils.logging.LOG_LEVEL_SILENT)
    width, height, announced = _probe(video)
    config = _config(config_path, width, height)
    try:
        privacy = PrivacyFilter(config)
    except ModelError as exc:
        raise ReplayError(str(exc)) from exc
    with tempfile.TemporaryDirectory(prefix="nettestad-replay-") as scratch:
        tools = EvidenceTools(
            config=config,
            privacy=privacy,
            key=Ed25519PrivateKey.generate(),
            vault=RawVault(Path(scratch) / "raw", retention_days=30),
            spool=Spool(Path(scratch) / "spool", max_events=100_000, max_bytes=2**40),
        )
        unit = CameraUnit(tools)
        detector = _RecordingDetector(config)
        unit.detector = detector
        with _codec_quiet():
            source = OpenCvSource(
                str(video), size=(config.width, config.height), start=EPOCH, reconnect=False
            )
        fps = source.fps
        frames = 0
        began = time.process_time()
        try:
            reader = source.frames()
            while True:
                with _codec_quiet():
                    frame = next(reader, None)
                if frame is None:
                    break
                unit.process(frame)
                frames += 1
            last = EPOCH if frames == 0 else source.last_ts
            unit.flush(last)
        finally:
            source.close()
        cpu = time.process_time() - began
    if frames == 0:
        raise ReplayError(f"{video}: no frame could be decoded")
    if announced and frames < announced - MISSING_FRAMES_TOLERATED:
        raise ReplayError(
            f"{video}: decoding stopped after {frames} of {announced} frames (truncated or corrupt)"
        )

    def index(moment: datetime) -> int:
        return round((moment - EPOCH).total_seconds() * fps)

    events = [
        {
            "start_frame": index(d.started_at),
            "left_frame": index(d.left_at or d.started_at),
            "detected_frame": index(d.detected_at),
            "bbox": list(d.bbox),
            "score": d.score,
        }
        for d in detector.reported
    ]
    return ReplayResult(
        events=events,
        frames=frames,
        fps_cpu=frames / cpu if cpu > 0 else 0.0,
        peak_rss_mib=resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
    )
