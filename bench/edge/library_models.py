"""OpenCV's own background models (MOG2, KNN) in place of the detector's long-term background.

    .venv/bin/python bench/edge/replay_cache.py --cache /tmp/edgecache \
        --sets 41:3,2026:1,7:2,99:2,123:2 --jobs 2 --model mog2:absorb=60:vmin=1:mean
    .venv/bin/python bench/edge/library_models.py VIDEO --model mog2:absorb=60:vmin=1:mean

The camera unit models the street itself (light layers, a noise-adaptive threshold on 5x5
means, a long-term background that never learns what is foreground). This asks whether a
well-kept library model does the job as well. Everything after the background model is the
product's: the short-term background, static time, regions, owners, cars, the dwell. Only the
mask "differs from the long-term background" (and what is a shadow) comes from the library:

- ``mog2`` is ``cv2.createBackgroundSubtractorMOG2``, ``knn`` is
  ``cv2.createBackgroundSubtractorKNN``, both with shadow detection (a shadow is neither
  foreground nor object, as in the product).
- ``absorb=S``: a library model learns everything, a left object too. Its learning rate is set
  so that something standing still is taken into the background after about ``S`` seconds (for
  MOG2 a new mode joins the background once its weight passes ``1 - backgroundRatio``, 0.1:
  ``rate = 1 - 0.9 ** (dt / S)``; KNN takes it in once 2 of the 7 samples of its short-term
  set match, refreshed every ``K / 7`` frames with ``K = log(0.7) / log(1 - rate)``; left to
  its own rate, ``1 / history``, it took a bag in within 6 s, whatever the history).
- ``vmin=V``: MOG2's smallest variance (the library's default is 4, so no difference under
  ``2 * sqrt(16 / 4)`` = 8 grey levels is ever foreground; the harder set's bags are 5-20 from
  the ground). ``thr=T``: MOG2's ``varThreshold`` or KNN's ``dist2Threshold``.
- ``mean``: the model is fed the 5x5 means of the working image, the scale at which the product
  judges differences (noise averages out there, a bag's darkness does not).
- ``noshadow``: without the library's shadow detection. On a grey image its shadow test can
  only compare brightness, so anything darker than the ground by up to half (a dark bag, most
  people) is called a shadow.
- ``light``: fed the frame with the product's light layers divided out, so the library only
  replaces the threshold and the background's learning.
"""

from __future__ import annotations

import argparse
import math
import sys
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING

if Path(sys.path[0]).resolve() == Path(__file__).resolve().parent:
    sys.path[0] = str(Path(__file__).resolve().parents[2])

import cv2
import numpy as np

from edge.config import CameraConfig
from edge.detector import LeftObjectDetector, _local_mean

if TYPE_CHECKING:
    from edge.detector import Detection, _State

MODELS = ("mog2", "knn")
WARMUP_S = 2.0  # KNN learns at its own rate this long before the set one


@dataclass(frozen=True, slots=True)
class LibraryModel:
    """Which library model, and how it is set; validated at construction."""

    kind: str
    absorb_s: float = 60.0
    var_min: float | None = None  # MOG2 only; None: the library's default
    threshold: float | None = None  # varThreshold (MOG2) or dist2Threshold (KNN)
    mean: bool = False
    light: bool = False
    shadows: bool = True  # the library's shadow detection

    def __post_init__(self) -> None:
        if self.kind not in MODELS:
            raise ValueError(f"model must be one of {', '.join(MODELS)}")
        if self.absorb_s <= 0:
            raise ValueError("absorb must be above 0 seconds")
        if self.var_min is not None and self.var_min <= 0:
            raise ValueError("vmin must be above 0")
        if self.threshold is not None and self.threshold <= 0:
            raise ValueError("thr must be above 0")

    @classmethod
    def parse(cls, text: str) -> LibraryModel:
        """``kind[:absorb=S][:vmin=V][:thr=T][:mean][:light][:noshadow]``."""
        kind, *options = text.split(":")
        values: dict[str, float] = {}
        flags: set[str] = set()
        for option in options:
            name, _, value = option.partition("=")
            if value:
                values[name] = float(value)
            else:
                flags.add(name)
        unknown = (set(values) - {"absorb", "vmin", "thr"}) | (
            flags - {"mean", "light", "noshadow"}
        )
        if unknown:
            raise ValueError(f"unknown model option(s): {', '.join(sorted(unknown))}")
        return cls(
            kind=kind,
            absorb_s=values.get("absorb", 60.0),
            var_min=values.get("vmin"),
            threshold=values.get("thr"),
            mean="mean" in flags,
            light="light" in flags,
            shadows="noshadow" not in flags,
        )

    def rate(self, dt: float) -> float:
        """The learning rate for a frame ``dt`` seconds after the last one."""
        if self.kind == "mog2":
            return 1.0 - math.pow(0.9, dt / self.absorb_s)
        # KNN keeps 7 samples per pixel in its short-term set, refreshed every K / 7 frames
        # with K = log(0.7) / log(1 - rate), and calls a pixel background once 2 samples match
        return 1.0 - math.pow(0.7, dt / (3.5 * self.absorb_s))

    def subtractor(self, fps: float) -> cv2.BackgroundSubtractor:
        """A fresh library model for frames at ``fps``."""
        history = max(2, round(self.absorb_s * fps))
        if self.kind == "mog2":
            mog = cv2.createBackgroundSubtractorMOG2(history=history, detectShadows=self.shadows)
            if self.var_min is not None:
                mog.setVarMin(self.var_min)
                mog.setVarInit(self.var_min)
            if self.threshold is not None:
                mog.setVarThreshold(self.threshold)
            return mog
        knn = cv2.createBackgroundSubtractorKNN(history=history, detectShadows=self.shadows)
        if self.threshold is not None:
            knn.setDist2Threshold(self.threshold)
        return knn


class LibraryDetector(LeftObjectDetector):
    """The product's detector with a library model as its long-term background, fed working
    images (see ``bench/edge/replay_cache.py``)."""

    def __init__(self, config: CameraConfig, model: LibraryModel, *, fps: float) -> None:
        super().__init__(config)
        self.model = model
        self._fps = fps
        self._subtractor = model.subtractor(fps)
        self._raw: np.ndarray | None = None
        self._last: float | None = None
        self._dt = 1.0 / fps
        self._seen = 0

    def _prepare(self, image: np.ndarray) -> np.ndarray:
        self._raw = image.astype(np.float32)  # the working image: the library sees it too
        return self._raw

    def update(self, ts: datetime, image: np.ndarray, *, detect: bool = True) -> list[Detection]:
        """The product's update, with the time since the last frame kept for the library."""
        now = ts.timestamp()
        if self._last is not None:
            self._dt = min(max(now - self._last, 0.0), 1.0)
        self._last = now
        return super().update(ts, image, detect=detect)

    def _compensate(self, small: np.ndarray, state: _State) -> np.ndarray:
        if self.model.light:
            return super()._compensate(small, state)
        return small

    def _changed(
        self, frame: np.ndarray, residual: np.ndarray, threshold: np.ndarray, state: _State
    ) -> tuple[np.ndarray, np.ndarray]:
        """The library's foreground (opened, as the product's) and its shadows."""
        del residual, threshold
        seen = frame if self.model.light else self._raw
        assert seen is not None
        if self.model.mean:
            seen = _local_mean(seen)
        picture = np.clip(seen, 0, 255).astype(np.uint8)
        # KNN starts with no samples: its own (fast) rate fills them over the first seconds
        self._seen += 1
        warming = self.model.kind == "knn" and self._seen <= WARMUP_S * self._fps
        rate = -1.0 if warming else self.model.rate(self._dt)
        mask = self._subtractor.apply(picture, learningRate=rate)
        foreground = (mask == 255).astype(np.uint8)
        opened = cv2.morphologyEx(foreground, cv2.MORPH_OPEN, self._kernel) > 0
        state.ground = np.zeros(opened.shape, bool)
        return opened, mask == 127


def replay_video(video: Path, model: str) -> tuple[int, list[Detection]]:
    """Frames read and the detections of the detector alone (``product`` or a library model)
    over a recorded video, with a camera file's defaults for its size."""
    capture = cv2.VideoCapture(str(video))
    if not capture.isOpened():
        raise OSError(f"cannot open {video}")
    fps = capture.get(cv2.CAP_PROP_FPS) or 10.0
    width = int(capture.get(cv2.CAP_PROP_FRAME_WIDTH))
    height = int(capture.get(cv2.CAP_PROP_FRAME_HEIGHT))
    config = CameraConfig(device_id="replay", hotspot_id="replay", width=width, height=height)
    product = LeftObjectDetector(config)
    detector = (
        product
        if model == "product"
        else LibraryDetector(config, LibraryModel.parse(model), fps=fps)
    )
    start = datetime(2026, 1, 1, tzinfo=UTC)
    found: list[Detection] = []
    frames = 0
    while True:
        ok, image = capture.read()
        if not ok:
            break
        seen = image if detector is product else product._prepare(image)
        found += detector.update(start + timedelta(seconds=frames / fps), seen)
        frames += 1
    capture.release()
    return frames, found


def main() -> None:
    """The detector alone over a video, with the product's model or a library one."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("video", type=Path)
    parser.add_argument("--model", default="product")
    args = parser.parse_args()
    frames, found = replay_video(args.video, args.model)
    for hit in found:
        print(f"event at {hit.detected_at:%H:%M:%S} box {hit.bbox}")
    print(f"{args.model}: {frames} frames, {len(found)} events")


__all__ = ["MODELS", "LibraryDetector", "LibraryModel", "replay_video"]

if __name__ == "__main__":
    main()
