"""What stood in the first frame and went: false events and missed bags, detector alone.

    .venv/bin/python bench/edge/first_frame.py [--jobs 2]

A camera unit that starts (or relearns) while something stands in view takes the first frame
as its background. Each case is a generated hard scene (``linger``, ``pickup`` or ``drop``;
day or drifting cloud shadows; seeds 2040 and 2041) with a grey block the size of a trolley
(72x48 px, grey level 40 or 160) painted in until 0.5 s (dark) or 1.5 s (light) after the
start, at one of two places away from the scenes' own action. Prints, per case, the events that
overlap no truth box and the truth boxes no event overlaps, then the total of both. The same
scenes without the block give the scenes' own mistakes (``--without``), which are not the
first frame's.
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from datetime import UTC, datetime, timedelta
from multiprocessing import get_context
from pathlib import Path

if Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(Path(__file__).resolve().parents[2])

from edge.config import CameraConfig
from edge.detector import LeftObjectDetector
from edge.synthetic import HEIGHT, WIDTH, make_scene, render

T0 = datetime(2026, 11, 28, 21, 0, tzinfo=UTC)
CONFIG = CameraConfig(
    device_id="cam-0001",
    hotspot_id="HS-01",
    dwell_s=10.0,
    regions=[[(0, 150), (WIDTH, 150), (WIDTH, HEIGHT), (0, HEIGHT)]],
)
BLOCK = (72, 48)  # width, height in frame pixels
Box = tuple[int, int, int, int]
Case = tuple[int, float, str, str, int, tuple[int, int]]


def _overlap(a: Box, b: Box) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def run_case(case: Case) -> tuple[list[Box], list[Box]]:
    """(false events, missed truth boxes) of one case; grey 0 paints no block."""
    grey, gone_s, kind, condition, seed, (x, y) = case
    spec = make_scene("first", kind, seed=seed, duration_s=45, fps=5, condition=condition)
    detector = LeftObjectDetector(CONFIG)
    found: list[Box] = []
    for t, frame in render(spec):
        image = frame.copy()
        if grey and t < gone_s:
            image[y : y + BLOCK[1], x : x + BLOCK[0]] = grey
        found += [hit.bbox for hit in detector.update(T0 + timedelta(seconds=t), image)]
    truth = [event.bbox for event in spec.truth]
    false = [box for box in found if not any(_overlap(box, t) for t in truth)]
    missed = [t for t in truth if not any(_overlap(box, t) for box in found)]
    return false, missed


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
    wrong = 0
    with ProcessPoolExecutor(args.jobs, mp_context=get_context("spawn")) as pool:
        for case, (false, missed) in zip(cases, pool.map(run_case, cases), strict=True):
            wrong += len(false) + len(missed)
            if false or missed:
                print(f"{case}: false {false} missed {missed}", flush=True)
    print(f"{len(cases)} cases, {wrong} wrong (false events + missed bags)")


if __name__ == "__main__":
    main()
