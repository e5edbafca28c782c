"""The evaluation harness: run the whole unit over a synthetic set and score it.

An event counts as a true positive when its box overlaps a ground-truth drop of the same video
that had landed before the detection; each truth is matched once. Notification delay is the time
from when the person who left the object had walked away from it (from the drop itself in the
classic scenes, which do not record that) to the moment the unit queued the event (after its
"after" frame). Scores are also kept per condition (day, shadows, dusk, night, rain, compressed). Speed is the
unit's own processing time per frame (decoding the video file is reported apart), measured in
this process pinned to one core with OpenCV limited to one thread.
"""

from __future__ import annotations

import os
import resource
import statistics
import tempfile
import time
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from edge.config import CameraConfig
from edge.evidence import EvidenceTools, read_event
from edge.privacy import PrivacyFilter
from edge.sources import Frame, OpenCvSource
from edge.spool import Spool
from edge.synthetic import HEIGHT, WIDTH, SceneSpec, read_set
from edge.unit import CameraUnit
from edge.vault import RawVault

EPOCH = datetime(2026, 11, 28, 21, 0, tzinfo=UTC)


@dataclass(slots=True)
class Report:
    """Scores over a set."""

    scenes: int = 0
    truths: int = 0
    true_positives: int = 0
    false_positives: int = 0
    delays_s: list[float] = field(default_factory=list)
    frames: int = 0
    process_s: float = 0.0
    decode_s: float = 0.0
    peak_rss_mib: float = 0.0
    mistakes: list[str] = field(default_factory=list)
    conditions: dict[str, Report] = field(default_factory=dict)

    @property
    def precision(self) -> float:
        """Share of reported events that were real drops."""
        found = self.true_positives + self.false_positives
        return self.true_positives / found if found else 1.0

    @property
    def recall(self) -> float:
        """Share of real drops that were reported."""
        return self.true_positives / self.truths if self.truths else 1.0

    @property
    def fps(self) -> float:
        """Frames the unit processes per second of its own time."""
        return self.frames / self.process_s if self.process_s else 0.0

    def lines(self, dwell_s: float) -> list[str]:
        """The report as printed."""
        median = statistics.median(self.delays_s) if self.delays_s else float("nan")
        worst = max(self.delays_s) if self.delays_s else float("nan")
        return [
            f"scenes: {self.scenes}, dumpings in truth: {self.truths}, frames: {self.frames}",
            f"precision: {self.precision:.3f} ({self.true_positives} true, {self.false_positives} false)",
            f"recall: {self.recall:.3f} ({self.true_positives} of {self.truths})",
            f"notification delay: median {median:.1f} s, max {worst:.1f} s (dwell {dwell_s:.0f} s, target <= {dwell_s + 5:.0f} s)",
            f"speed: {self.fps:.0f} frames/s at {WIDTH}x{HEIGHT} on one core (unit only; video decoding {self.frames / self.decode_s if self.decode_s else 0:.0f} frames/s apart)",
            f"memory: peak RSS {self.peak_rss_mib:.0f} MiB (whole process)",
            *(
                f"  {name}: precision {part.precision:.3f}, recall {part.recall:.3f}"
                f" ({part.true_positives} of {part.truths}, {part.false_positives} false),"
                f" median delay {statistics.median(part.delays_s) if part.delays_s else float('nan'):.1f} s"
                for name, part in sorted(self.conditions.items())
            ),
            *self.mistakes,
        ]


def one_core() -> None:
    """Pin this process to a single core and OpenCV to one thread."""
    cv2.setNumThreads(1)
    if hasattr(os, "sched_setaffinity"):
        os.sched_setaffinity(0, {min(os.sched_getaffinity(0))})


def _overlaps(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def score_scene(
    spec: SceneSpec, found: list[tuple[float, float, tuple[int, int, int, int]]], report: Report
) -> None:
    """Match one scene's events (notified_s, detected_s, bbox) against its truth, overall and
    for the scene's condition. The delay runs from when the owner had left (else the drop)."""
    part = report.conditions.setdefault(spec.condition, Report())
    _score(spec, found, part)
    _score(spec, found, report)


def _score(
    spec: SceneSpec, found: list[tuple[float, float, tuple[int, int, int, int]]], report: Report
) -> None:
    report.scenes += 1
    report.truths += len(spec.truth)
    matched: set[int] = set()
    for notified, detected, bbox in found:
        hit = next(
            (
                i
                for i, truth in enumerate(spec.truth)
                if i not in matched and truth.at_s <= detected and _overlaps(bbox, truth.bbox)
            ),
            None,
        )
        if hit is None:
            report.false_positives += 1
            report.mistakes.append(f"  false alarm in {spec.name} at {detected:.1f} s, box {bbox}")
            continue
        matched.add(hit)
        report.true_positives += 1
        truth = spec.truth[hit]
        report.delays_s.append(
            notified - (truth.left_s if truth.left_s is not None else truth.at_s)
        )
    for i, truth in enumerate(spec.truth):
        if i not in matched:
            report.mistakes.append(
                f"  missed drop in {spec.name} at {truth.at_s:.1f} s, box {truth.bbox}"
            )


def evaluate_set(folder: Path, config: CameraConfig) -> Report:
    """Run a fresh unit over every video of a written set."""
    report = Report()
    key = Ed25519PrivateKey.generate()
    privacy = PrivacyFilter(config)
    with tempfile.TemporaryDirectory(prefix="nettestad-eval-") as scratch:
        for index, spec in enumerate(read_set(folder)):
            work = Path(scratch) / str(index)
            tools = EvidenceTools(
                config=config,
                privacy=privacy,
                key=key,
                vault=RawVault(work / "raw", retention_days=30),
                spool=Spool(work / "spool", max_events=1000, max_bytes=2**34),
            )
            unit = CameraUnit(tools)
            source = OpenCvSource(str(folder / f"{spec.name}.avi"), start=EPOCH)
            found = []
            frames = source.frames()
            while True:
                # CPU time of this process (pinned to one core): what the unit itself costs,
                # independent of whatever else the machine is running.
                began = time.process_time()
                frame: Frame | None = next(frames, None)
                decoded = time.process_time()
                if frame is None:
                    break
                emitted = unit.process(frame)
                report.process_s += time.process_time() - decoded
                report.decode_s += decoded - began
                report.frames += 1
                for item in emitted:
                    event = read_event(item)
                    found.append(
                        (
                            (frame.ts - EPOCH).total_seconds(),
                            (event.detected_at - EPOCH).total_seconds(),
                            event.bbox,
                        )
                    )
            source.close()
            score_scene(spec, found, report)
    report.peak_rss_mib = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    return report


def default_config(dwell_s: float = 15.0) -> CameraConfig:
    """The camera configuration the synthetic scenes are made for: house fronts are private."""
    return CameraConfig(
        device_id="cam-eval",
        hotspot_id="HS-EVAL",
        width=WIDTH,
        height=HEIGHT,
        dwell_s=dwell_s,
        private_zones=[[(0, 0), (WIDTH, 0), (WIDTH, 120), (0, 120)]],
        regions=[[(0, 150), (WIDTH, 150), (WIDTH, HEIGHT), (0, HEIGHT)]],
    )


def event_time(ts: datetime) -> float:
    """Seconds since the evaluation epoch."""
    return (ts - EPOCH) / timedelta(seconds=1)
