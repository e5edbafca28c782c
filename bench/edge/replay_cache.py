"""The detector alone, replayed over frames rendered once (the loop for tuning, and for
comparing two versions of the detector on exactly the same frames).

    .venv/bin/python bench/edge/replay_cache.py --cache /tmp/edgecache \
        --sets 2026:1,7:2,41:3 [--only shadows] [--jobs 1] [--verbose] [--model mog2:absorb=60] \
        [--fps 25 [--every-frame]]

Each scene of the harder sets (``make_hard_specs(rounds, seed=seed)``) is rendered once as
``bench/edge/diagnose.py`` renders it (every frame through JPEG quality 95, as the benchmark's
MJPEG files), and the detector's own working image of each frame (grey, quarter size, 3x3
Gaussian: ``LeftObjectDetector._prepare``) is kept in ``--cache`` as a compressed NumPy file. A
fresh detector with the product's settings (``edge.evaluate.default_config``) is then fed those
working images in place of the frames, which gives exactly what ``update`` computes on the
frames themselves, at a fraction of the cost. Prints per-scene lines (``--verbose``: all, else
the wrong ones), then precision and recall overall and per condition, per seed and together.
``--model`` puts one of OpenCV's background models in place of the product's long-term
background (``bench/edge/library_models.py``). ``--fps`` renders the scenes at another frame
rate (a camera sending 25 frames/s; kept apart in the cache), and ``--every-frame`` has the
detector analyse every frame instead of skipping to its own pace (``ANALYSIS_GAP_S``).
"""

from __future__ import annotations

import argparse
import sys
from concurrent.futures import ProcessPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from multiprocessing import get_context
from pathlib import Path

if Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(Path(__file__).resolve().parents[2])

import cv2
import numpy as np

from bench.edge.diagnose import Found, scene_line
from bench.edge.library_models import LibraryDetector, LibraryModel
from edge.detector import LeftObjectDetector
from edge.evaluate import Report, default_config, score_scene
from edge.synthetic import SceneSpec, make_hard_specs, render

T0 = datetime(2026, 11, 28, 21, 0, tzinfo=UTC)
FPS = 8.0  # the sets' frame rate


class _Replayed(LeftObjectDetector):
    """The product's detector, fed its own working images instead of frames."""

    def _prepare(self, image: np.ndarray) -> np.ndarray:
        return image.astype(np.float32)


def _frames(spec: SceneSpec, cache: Path, key: str) -> np.ndarray:
    """The scene's working images, rendered and kept on the first call."""
    path = cache / f"{key}-{spec.name}.npz"
    if path.exists():
        return np.asarray(np.load(path)["frames"])
    cv2.setNumThreads(1)
    detector = LeftObjectDetector(default_config(15.0))
    kept = []
    for _, image in render(spec):
        ok, jpeg = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 95])
        decoded = cv2.imdecode(jpeg, cv2.IMREAD_COLOR) if ok else None
        frame = image if decoded is None else np.asarray(decoded)
        kept.append(detector._prepare(frame).astype(np.uint8))
    frames = np.stack(kept)
    cache.mkdir(parents=True, exist_ok=True)
    scratch = path.with_suffix(".part.npz")
    np.savez_compressed(scratch, frames=frames)
    scratch.replace(path)
    return frames


class _EveryFrame(_Replayed):
    """The same, analysing every frame however fast they come."""

    analysis_gap_s = 0.0


def run_scene(
    spec: SceneSpec, *, cache: Path, key: str, dwell_s: float, model: str, every_frame: bool = False
) -> Found:
    """(notified, detected, bbox) of each event the detector reports on one scene."""
    cv2.setNumThreads(1)
    frames = _frames(spec, cache, key)
    detector: LeftObjectDetector = (
        (_EveryFrame if every_frame else _Replayed)(default_config(dwell_s))
        if model == "product"
        else LibraryDetector(default_config(dwell_s), LibraryModel.parse(model), fps=spec.fps)
    )
    found: Found = []
    for index, small in enumerate(frames):
        t = index / spec.fps
        for hit in detector.update(T0 + timedelta(seconds=t), small):
            found.append((t, (hit.detected_at - T0).total_seconds(), hit.bbox))
    return found


def _summary(title: str, report: Report) -> list[str]:
    delays = sorted(report.delays_s)
    median = delays[len(delays) // 2] if delays else float("nan")
    head = (
        f"{title}: precision {report.precision:.3f} ({report.true_positives} true,"
        f" {report.false_positives} false), recall {report.recall:.3f}"
        f" ({report.true_positives} of {report.truths}), delay after the owner left"
        f" median {median:.1f} s max {max(delays, default=float('nan')):.1f} s"
    )
    lines = [head]
    for name, part in report.conditions.items():
        lines.append(
            f"  {name:10s} precision {part.precision:.3f} ({part.false_positives} false)"
            f"  recall {part.recall:.3f} ({part.true_positives} of {part.truths})"
        )
    return lines


def main() -> None:
    """Render (once) and replay every scene of the named sets."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cache", type=Path, required=True)
    parser.add_argument("--sets", default="2026:1,7:2", help="seed:rounds,...")
    parser.add_argument("--dwell", type=float, default=15.0)
    parser.add_argument("--jobs", type=int, default=1)
    parser.add_argument("--only", default="", help="run only scenes whose name contains this")
    parser.add_argument("--verbose", action="store_true")
    parser.add_argument("--fps", type=float, default=FPS, help="render the scenes at this rate")
    parser.add_argument("--every-frame", action="store_true", help="analyse every frame")
    parser.add_argument(
        "--model",
        default="product",
        help="product, or a library model: kind[:absorb=S][:vmin=V][:thr=T][:mean][:light][:noshadow]",
    )
    args = parser.parse_args()
    if args.model != "product":
        try:
            LibraryModel.parse(args.model)
        except ValueError as error:
            parser.error(str(error))
    total = Report()
    summaries: list[str] = []
    for item in args.sets.split(","):
        seed, rounds = (int(v) for v in item.split(":"))
        key = f"s{seed}r{rounds}" + ("" if args.fps == FPS else f"f{args.fps:g}")
        specs = [
            replace(s, fps=args.fps)
            for s in make_hard_specs(rounds, seed=seed)
            if args.only in s.name
        ]
        report = Report()
        # spawned workers: a forked one can inherit OpenCV's thread pool locked and hang
        with ProcessPoolExecutor(max_workers=args.jobs, mp_context=get_context("spawn")) as pool:
            results = pool.map(
                partial(
                    run_scene,
                    cache=args.cache,
                    key=key,
                    dwell_s=args.dwell,
                    model=args.model,
                    every_frame=args.every_frame,
                ),
                specs,
            )
            for spec, found in zip(specs, results, strict=True):
                line = scene_line(spec, found, report)
                score_scene(spec, found, total)
                if args.verbose or line.startswith("BAD"):
                    print(f"seed {seed} {line}", flush=True)
        summaries += _summary(f"seed {seed} x{rounds}", report)
    for line in summaries + _summary("all", total):
        print(line)


if __name__ == "__main__":
    main()
