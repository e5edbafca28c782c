"""Privacy benchmark: real faces and generated Belgian plates at street size, blurred or not.

    .venv/bin/python bench/edge/privacy.py [--seed 2026] [--per-setting 2]

Faces (scikit-image's astronaut and Labeled Faces in the Wild photographs) 16-80 px wide in a
640x480 frame, tilted 0-45 degrees, level or seen from above; plates 40-140 px wide, tilted
0-30 degrees. For each: the share hidden by the blur, in the still (full size) and in the clip
(half size, made from the blurred full-size frame as ``edge.evidence`` does); then whether the
face detector, run again on what is stored, still finds a face (a "visible" face); and the
cost per stored frame on one core. Last, false finds on frames that show no face and no plate
(scikit-image's other photographs and the street's pavement): how many boxes, and what share of
the picture they blur.
"""

from __future__ import annotations

import argparse
import sys
import time
from collections import defaultdict
from pathlib import Path

# Run as a script, this folder heads the import path, and its packaging.py would stand in for
# the 'packaging' library that scikit-image imports: put the repository there instead.
if Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(Path(__file__).resolve().parents[2])

import cv2
import numpy as np

from edge.config import CameraConfig
from edge.evaluate import one_core
from edge.faces import DEFAULT_THRESHOLD, CenterFace, default_face_model
from edge.privacy import PrivacyFilter
from edge.privacy_eval import face_cases, hidden, negative_frames, plate_cases


def main() -> None:
    """Make the cases, blur them, report."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--per-setting", type=int, default=2)
    args = parser.parse_args()
    one_core()
    config = CameraConfig(device_id="cam-bench", hotspot_id="HS-BENCH")
    privacy = PrivacyFilter(config)
    # A second detector, as eager as the product's, looks for faces left in what is stored.
    checker = CenterFace(default_face_model(), width=640, height=480, threshold=DEFAULT_THRESHOLD)
    half_checker = CenterFace(
        default_face_model(), width=320, height=256, threshold=DEFAULT_THRESHOLD
    )
    cases = face_cases(
        seed=args.seed,
        widths=(16, 20, 24, 32, 40, 56, 80),
        tilts=(0.0, 15.0, 30.0, 45.0),
        per_setting=args.per_setting,
    )
    by_width: dict[int, list[bool]] = defaultdict(list)
    by_tilt: dict[float, list[bool]] = defaultdict(list)
    by_view: dict[bool, list[bool]] = defaultdict(list)
    still_hidden = clip_hidden = visible_still = visible_clip = counted = 0
    spent = 0.0
    for case in cases:
        began = time.process_time()
        boxes = privacy.find(case.image)
        safe = privacy.apply(case.image)
        spent += time.process_time() - began
        ok = hidden(case, boxes)
        by_width[case.width_px].append(ok)
        if case.width_px < 20:
            continue
        counted += 1
        by_tilt[abs(case.tilt_deg)].append(ok)
        by_view[case.from_above].append(ok)
        still_hidden += ok
        half = cv2.resize(safe, (320, 240), interpolation=cv2.INTER_AREA)
        # The clip frame is the blurred still halved: hidden exactly when the still is.
        clip_hidden += ok
        x, y, w, h = case.box
        if any(
            abs((bx + bw / 2) - (x + w / 2)) < w and abs((by + bh / 2) - (y + h / 2)) < h
            for (bx, by, bw, bh), _ in checker.detect(safe)
        ):
            visible_still += 1
        if any(
            abs((bx * 2 + bw) - (x + w / 2) * 1) < w * 2
            and abs((by * 2 + bh) - (y + h / 2)) < h * 2
            for (bx, by, bw, bh), _ in half_checker.detect(half)
        ):
            visible_clip += 1
    print(f"faces: {len(cases)} cases, {counted} of them >= 20 px wide")
    print(
        f"faces >= 20 px hidden: still {still_hidden / counted:.3f}, clip {clip_hidden / counted:.3f}"
        f" (target >= 0.95)"
    )
    print(
        f"faces >= 20 px still found by a second detector (threshold {DEFAULT_THRESHOLD})"
        " in what is stored:"
        f" still {visible_still}, clip {visible_clip} of {counted}"
    )
    print(
        "hidden by face width: "
        + ", ".join(f"{w} px {np.mean(v):.2f}" for w, v in sorted(by_width.items()))
    )
    print(
        "hidden by tilt (>= 20 px): "
        + ", ".join(f"{t:.0f} deg {np.mean(v):.2f}" for t, v in sorted(by_tilt.items()))
    )
    print(
        "hidden by view (>= 20 px): "
        + ", ".join(
            f"{'from above' if k else 'level'} {np.mean(v):.2f}" for k, v in sorted(by_view.items())
        )
    )
    print(
        f"cost: {spent / len(cases) * 1000:.0f} ms CPU per stored 640x480 frame (faces + plates, one core)"
    )

    plates = plate_cases(
        seed=args.seed + 1,
        widths=(40, 60, 80, 110, 140),
        tilts=(0.0, 15.0, 30.0),
        per_setting=args.per_setting * 2,
    )
    plate_by_width: dict[int, list[bool]] = defaultdict(list)
    for case in plates:
        plate_by_width[case.width_px].append(hidden(case, privacy.find_plates(case.image)))
    found = [v for vs in plate_by_width.values() for v in vs]
    print(f"plates: recall {np.mean(found):.3f} over {len(found)} generated Belgian plates")
    print(
        "plates by width: "
        + ", ".join(f"{w} px {np.mean(v):.2f}" for w, v in sorted(plate_by_width.items()))
    )

    _false_finds(privacy, seed=args.seed + 2)


def _false_finds(privacy: PrivacyFilter, *, seed: int) -> None:
    """Faces and plates found where there are none, and the share of the picture blurred."""
    negatives = negative_frames(seed=seed)
    face_boxes = plate_boxes = 0
    face_area: list[float] = []
    plate_area: list[float] = []
    for _, frame in negatives:
        for boxes, count, area in (
            (privacy.find_faces(frame), "faces", face_area),
            (privacy.find_plates(frame), "plates", plate_area),
        ):
            blurred = np.zeros(frame.shape[:2], bool)
            for x, y, w, h in boxes:
                blurred[y : y + h, x : x + w] = True
            area.append(float(blurred.mean()))
            if count == "faces":
                face_boxes += len(boxes)
            else:
                plate_boxes += len(boxes)
    print(
        f"false finds on {len(negatives)} frames without faces or plates:"
        f" faces {face_boxes} boxes ({np.mean(face_area) * 100:.2f} % of pixels blurred),"
        f" plates {plate_boxes} boxes ({np.mean(plate_area) * 100:.2f} % of pixels blurred)"
    )


if __name__ == "__main__":
    main()
