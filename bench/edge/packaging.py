"""Packaging off the frame thread: what one event costs the frame loop, inline and on the worker.

    .venv/bin/python bench/edge/packaging.py [--seed 11] [--events 3]

Runs the camera unit over synthetic 640x480 scenes with a dumping each (8 frames/s), once with
packaging inline on the frame thread and once on the ``PackagingWorker``, and prints, per mode,
the frame thread's CPU time per frame (``time.thread_time``: what other work on the machine does
not inflate) as median and maximum, and the CPU the packaging itself took.
"""

from __future__ import annotations

import argparse
import statistics
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from edge.config import CameraConfig
from edge.evidence import EvidenceTools
from edge.privacy import PrivacyFilter
from edge.sources import Frame
from edge.spool import Backlog, Spool
from edge.synthetic import make_scene, render
from edge.unit import CameraUnit, PackagingWorker
from edge.vault import RawVault

T0 = datetime(2026, 11, 28, 21, 0, tzinfo=UTC)


def _frames(seed: int, events: int) -> list[Frame]:
    frames: list[Frame] = []
    for n in range(events):
        scene = make_scene(f"drop{n}", "drop", seed=seed + n, duration_s=45, fps=8, noise_sigma=3)
        start = T0 + timedelta(minutes=5 * n)
        frames += [Frame(start + timedelta(seconds=t), image) for t, image in render(scene)]
    return frames


def _run(frames: list[Frame], folder: Path, *, worker: bool) -> dict[str, float]:
    config = CameraConfig(device_id="cam-0001", hotspot_id="HS-01", dwell_s=15.0)
    tools = EvidenceTools(
        config=config,
        privacy=PrivacyFilter(config),
        key=Ed25519PrivateKey.generate(),
        vault=RawVault(folder / "raw", retention_days=30),
        spool=Spool(folder / "spool", max_events=100, max_bytes=2**32),
    )
    packager = (
        PackagingWorker(tools, backlog=Backlog(folder / "backlog", vault=tools.vault))
        if worker
        else None
    )
    if packager is not None:
        packager.start()
    unit = CameraUnit(tools, packager=packager)
    costs = []
    for frame in frames:
        began = time.thread_time()
        unit.process(frame)
        costs.append(time.thread_time() - began)
    unit.flush(frames[-1].ts)
    if packager is not None:
        packager.drain(timeout=600)
        packager.stop()
    return {
        "events": len(tools.spool.items()),
        "median_ms": statistics.median(costs) * 1000,
        "max_ms": max(costs) * 1000,
        "frames": len(costs),
    }


def main() -> None:
    """Both modes over the same frames."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=11)
    parser.add_argument("--events", type=int, default=3)
    args = parser.parse_args()
    frames = _frames(args.seed, args.events)
    for worker in (False, True):
        with tempfile.TemporaryDirectory(prefix="nettestad-pack-bench-") as scratch:
            result = _run(frames, Path(scratch), worker=worker)
        mode = "worker" if worker else "inline"
        print(
            f"{mode}: {result['frames']:.0f} frames, {result['events']:.0f} events, frame thread "
            f"CPU per frame median {result['median_ms']:.1f} ms, max {result['max_ms']:.0f} ms"
        )


if __name__ == "__main__":
    main()
