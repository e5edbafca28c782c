"""Event packaging runs beside the frame loop: a bounded queue, a sealed on-disk backlog, nothing lost."""

from __future__ import annotations

import threading
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import numpy as np

from edge.config import CameraConfig
from edge.detector import Detection
from edge.evidence import EvidenceTools, package_event, read_event
from edge.ring import FrameRing
from edge.sources import Frame
from edge.spool import Backlog, SpoolItem
from edge.synthetic import make_scene, render
from edge.unit import CameraUnit, FrozenFrames, PackagingJob, PackagingWorker
from tests.edge.conftest import MakeTools

T0 = datetime(2026, 11, 28, 21, 40, tzinfo=UTC)


class Gate:
    """Holds the worker inside a (real) packaging run until the test opens it: a long CPU job."""

    def __init__(self) -> None:
        self.opened = threading.Event()
        self.entered = threading.Event()

    def package(self, *args: Any, **kwargs: Any) -> SpoolItem:
        """Wait for the gate, then package for real."""
        self.entered.set()
        assert self.opened.wait(60), "the test never opened the gate"
        return package_event(*args, **kwargs)


def _worker(tools: EvidenceTools, tmp_path: Path, gate: Gate, **kwargs: Any) -> PackagingWorker:
    backlog = Backlog(tmp_path / "backlog", vault=tools.vault)
    return PackagingWorker(tools, backlog=backlog, package=gate.package, **kwargs)


def _job(number: int) -> PackagingJob:
    ring = FrameRing(seconds=60, fps=1)
    image = np.full((480, 640, 3), 60 + number * 20, np.uint8)
    for step in range(25):
        ring.push(T0 + timedelta(seconds=step), image)
    detection = Detection(
        number,
        T0 + timedelta(seconds=5),
        T0 + timedelta(seconds=18),
        (10 * number, 10, 40, 40),
        1600,
        0.8,
        False,
        False,
    )
    return PackagingJob(detection, FrozenFrames(ring.between(T0, T0 + timedelta(minutes=1))))


def test_the_frame_loop_keeps_going_while_an_event_is_packaged(
    make_tools: MakeTools, tmp_path: Path
) -> None:
    """While packaging is held up, every later frame is still processed; the event is spooled once it finishes."""
    config = CameraConfig(device_id="cam-0001", hotspot_id="HS-01", dwell_s=10.0, clip_fps=1.0)
    tools = make_tools(config)
    gate = Gate()
    worker = _worker(tools, tmp_path, gate)
    worker.start()
    unit = CameraUnit(tools, packager=worker)
    scene = make_scene("drop", "drop", seed=11, duration_s=34, fps=5, noise_sigma=3)
    frames = [Frame(T0 + timedelta(seconds=t), image) for t, image in render(scene)]
    handed_over_at = None
    for index, frame in enumerate(frames):
        assert unit.process(frame) == []  # never packaged on this thread
        if handed_over_at is None and unit.counters.events:
            handed_over_at = index
    assert handed_over_at is not None, "the scene's drop was not detected"
    assert handed_over_at < len(frames) - 10  # frames kept coming after the hand-over
    assert gate.entered.is_set()
    assert unit.counters.frames == len(frames)
    assert not tools.spool.items()  # still being packaged
    gate.opened.set()
    assert worker.drain(timeout=60)
    worker.stop()
    [item] = tools.spool.items()
    assert {f.kind for f in read_event(item).files} >= {"frame_before", "frame_during", "clip"}


def test_a_busy_worker_spills_to_a_sealed_backlog_and_loses_nothing(
    make_tools: MakeTools, tmp_path: Path
) -> None:
    """Past the bounded queue, events wait encrypted on disk and are all packaged, in order."""
    tools = make_tools(CameraConfig(device_id="cam-0001", hotspot_id="HS-01", clip_fps=1.0))
    gate = Gate()
    worker = _worker(tools, tmp_path, gate, max_queued=1)
    worker.start()
    jobs = [_job(n) for n in range(1, 6)]
    worker.submit(jobs[0])
    assert gate.entered.wait(20)
    for job in jobs[1:]:
        assert worker.submit(job) == []
    assert len(worker.backlog) == 3  # one job in the worker, one in memory, three on disk
    on_disk = b"".join(p.read_bytes() for p in (tmp_path / "backlog").rglob("*") if p.is_file())
    frame = jobs[2].frames.snapshots[0].jpeg
    assert frame[:2000] not in on_disk  # unblurred frames never lie on disk in the clear
    assert worker.waiting == 5
    gate.opened.set()
    assert worker.drain(timeout=120)
    worker.stop()
    bboxes = [read_event(item).bbox for item in tools.spool.items()]
    assert bboxes == [job.detection.bbox for job in jobs]
    assert len(worker.backlog) == 0


def test_jobs_left_at_a_stop_are_packaged_after_the_restart(
    make_tools: MakeTools, tmp_path: Path
) -> None:
    """A unit that stops while events wait keeps them in the backlog; the next worker packages them."""
    tools = make_tools(CameraConfig(device_id="cam-0001", hotspot_id="HS-01", clip_fps=1.0))
    gate = Gate()
    worker = _worker(tools, tmp_path, gate, max_queued=2)
    worker.start()
    jobs = [_job(n) for n in range(1, 4)]
    for job in jobs:
        worker.submit(job)
    assert gate.entered.wait(20)
    stopper = threading.Thread(target=worker.stop)
    stopper.start()
    gate.opened.set()
    stopper.join(60)
    assert len(tools.spool.items()) == 1
    assert len(worker.backlog) == 2

    restarted = PackagingWorker(tools, backlog=Backlog(tmp_path / "backlog", vault=tools.vault))
    restarted.start()
    assert restarted.drain(timeout=120)
    restarted.stop()
    assert [read_event(i).bbox for i in tools.spool.items()] == [j.detection.bbox for j in jobs]
