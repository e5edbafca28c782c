"""What stood in the first frame and went: false events and missed bags, detector alone.

    .venv/bin/python bench/edge/first_frame.py [--jobs 2]

A camera unit that starts (or relearns) while something stands in view takes the first frame
as its background. Each case is a generated hard scene (``linger``, ``pickup`` or ``drop``;
day or drifting cloud shadows; seeds 2040 and 2041) with a grey block the size of a trolley
(72x48 px, grey level 40 or 160) painted in until 0.5 s (dark) or 1.5 s (light) after the
start, at one of two places away from the scenes' own action. Each case is scored as the other
edge benches score (``edge.evaluate.score_scene``); prints the false alarms and missed drops of
each case, then their total. The same scenes without the block give the scenes' own mistakes
(``--without``), which are not the first frame's.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from datetime import timedelta
from multiprocessing import get_context
from pathlib import Path

if Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(Path(__file__).resolve().parents[2])

from bench.edge.diagnose import T0, Found
from edge.config import CameraConfig
from edge.detector import LeftObjectDetector
from edge.evaluate import Report, score_scene
from edge.synthetic import HEIGHT, WIDTH, SceneSpec, make_scene, render

CONFIG = CameraConfig(
    device_id="cam-0001",
    hotspot_id="HS-01",
    dwell_s=10.0,
    regions=[[(0, 150), (WIDTH, 150), (WIDTH, HEIGHT), (0, HEIGHT)]],
)
BLOCK = (72, 48)  # width, height in frame pixels
Case = tuple[int, float, str, str, int, tuple[int, int]]


def _spec(case: Case) -> SceneSpec:
    _, _, kind, condition, seed, _ = case
    return make_scene("first", kind, seed=seed, duration_s=45, fps=5, condition=condition)


def run_case(case: Case) -> Found:
    """(notified, detected, bbox) of each event of one case; grey 0 paints no block."""
    grey, gone_s, _, _, _, (x, y) = case
    detector = LeftObjectDetector(CONFIG)
    found: Found = []
    for t, frame in render(_spec(case)):
        image = frame.copy()
        if grey and t < gone_s:
            image[y : y + BLOCK[1], x : x + BLOCK[0]] = grey
        for hit in detector.update(T0 + timedelta(seconds=t), image):
            found.append((t, (hit.detected_at - T0).total_seconds(), hit.bbox))
    return found


def main() -> None:
    """Run every case and print what went wrong."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--without", action="store_true", help="the same scenes, no block")
    args = parser.parse_args()
    cases: list[Case] = [
        (0 if args.without else grey, gone_s, kind, condition, seed, place)
        for grey, gone_s in ((40, 0.5), (160, 1.5))
        for kind in ("linger", "pickup", "drop")
        for condition in ("day", "shadows")
        for seed in (2040, 2041)
        for place in ((440, 380), (120, 360))
    ]
    total = Report()
    with ProcessPoolExecutor(args.jobs, mp_context=get_context("spawn")) as pool:
        for case, found in zip(cases, pool.map(run_case, cases), strict=True):
            report = Report()
            score_scene(_spec(case), found, report)
            score_scene(_spec(case), found, total)
            if report.mistakes:
                print(f"{case}:", *report.mistakes, sep="\n", flush=True)
    missed = total.truths - total.true_positives
    print(
        f"{len(cases)} cases, {total.false_positives + missed} wrong"
        f" ({total.false_positives} false alarms, {missed} missed drops)"
    )


if __name__ == "__main__":
    main()
