"""Per-scene diagnostics of the left-object detector alone (no packaging, no files).

    .venv/bin/python bench/edge/diagnose.py [--hard N | --count 48] [--seed 2026] [--jobs 2]

Renders each scene in memory (passing every frame through JPEG as the benchmark's MJPEG files
do), runs a fresh detector over it and prints, per scene, the truth (drop time, when the owner
left) and what was reported, then precision and recall per condition. Faster than
``run.py`` because events are not packaged (no face or plate search), so it is the loop for
tuning; the numbers recorded in RESULTS.md come from ``run.py``.
"""

from __future__ import annotations

import argparse
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta

import cv2
import numpy as np

from edge.detector import LeftObjectDetector
from edge.evaluate import Report, default_config, score_scene
from edge.synthetic import SceneSpec, make_hard_specs, make_specs, render

T0 = datetime(2026, 11, 28, 21, 0, tzinfo=UTC)
Found = list[tuple[float, float, tuple[int, int, int, int]]]


def run_scene(spec: SceneSpec, dwell_s: float) -> Found:
    """(notified, detected, bbox) of each event the detector reports on one scene."""
    cv2.setNumThreads(1)
    detector = LeftObjectDetector(default_config(dwell_s))
    found: Found = []
    for t, image in render(spec):
        ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])
        decoded = cv2.imdecode(jpeg, cv2.IMREAD_COLOR) if ok else None
        frame = image if decoded is None else np.asarray(decoded)
        for hit in detector.update(T0 + timedelta(seconds=t), frame):
            found.append((t, (hit.detected_at - T0).total_seconds(), hit.bbox))
    return found


def scene_line(spec: SceneSpec, found: Found, report: Report) -> str:
    """Score one scene into ``report`` and describe it: the truth, what was reported, ok or not."""
    truth = ", ".join(
        f"drop {t.at_s:.1f} s left {t.left_s if t.left_s is None else round(t.left_s, 1)}"
        f" box {t.bbox}"
        for t in spec.truth
    )
    events = ", ".join(f"{d:.1f} s {b}" for _, d, b in found)
    before = report.false_positives, report.true_positives
    score_scene(spec, found, report)
    ok = (report.false_positives, report.true_positives) == (before[0], before[1] + len(spec.truth))
    return (
        f"{'ok ' if ok else 'BAD'} {spec.name} [{spec.condition}]"
        f" truth: {truth or '-'}; events: {events or '-'}"
    )


def main() -> None:
    """Run every scene and print what happened where."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--count", type=int, default=48)
    parser.add_argument("--hard", type=int, default=0)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--dwell", type=float, default=15.0)
    parser.add_argument("--jobs", type=int, default=2)
    parser.add_argument("--only", default="", help="run only scenes whose name contains this")
    args = parser.parse_args()
    specs = (
        make_hard_specs(args.hard, seed=args.seed)
        if args.hard
        else make_specs(args.count, seed=args.seed)
    )
    specs = [s for s in specs if args.only in s.name]
    report = Report()
    with ProcessPoolExecutor(max_workers=args.jobs) as pool:
        results = pool.map(run_scene, specs, [args.dwell] * len(specs))
        for spec, found in zip(specs, results, strict=True):
            print(scene_line(spec, found, report))
    for line in report.lines(args.dwell)[:3] + report.lines(args.dwell)[6:]:
        if not line.startswith("  false") and not line.startswith("  missed"):
            print(line)


if __name__ == "__main__":
    main()
