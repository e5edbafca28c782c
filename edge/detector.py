"""Left-object detection: two background models, a static-foreground accumulator, tracks.

The frame is reduced to a small grey image (a quarter of the width by default), which is what
keeps the unit far above real time on one core. Two running backgrounds follow it: a long-term
one (tens of seconds, never learning pixels that are foreground) and a short-term one (half a
second). A pixel that differs from the long-term background but not from the short-term one is
*static foreground*: something arrived and stopped moving. Per pixel the unit accumulates how long
that has been so (the accumulator decays fast when the pixel returns to the background, and holds
while something passes in front). Regions of accumulated static foreground become tracks; a
track that has stayed ``dwell_s`` since it first appeared is a dumping event. People and cars that
come and go, rain and noise never accumulate; gradual light changes are divided out by a global
gain before comparing with the long-term background.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass
from datetime import UTC, datetime

import cv2
import numpy as np

from edge.config import CameraConfig, polygon_mask

STATIC_MIN_S = 1.0  # how long a pixel must have been static before it joins a candidate object
TRACK_GRACE_S = 2.0  # a track survives this long without being seen (occlusion, flicker)
REPORTED_GRACE_S = 60.0  # a reported object is remembered this long after it was last seen
DECAY_RATE = 3.0  # accumulator seconds lost per second when the pixel is background again


@dataclass(frozen=True, slots=True)
class Detection:
    """An object that appeared in a watched region and stayed the dwell time."""

    track_id: int
    started_at: datetime
    detected_at: datetime
    bbox: tuple[int, int, int, int]  # x, y, width, height in frame pixels
    area_px: int
    score: float
    person_present: bool
    vehicle_present: bool


@dataclass(slots=True)
class _Track:
    track_id: int
    bbox: tuple[int, int, int, int]  # in working (small) pixels
    first_seen: float
    last_seen: float
    area: int
    contrast: float
    reported: bool = False
    footprint: tuple[int, int, int, int] = (0, 0, 0, 0)  # everywhere it was seen once reported


@dataclass(frozen=True, slots=True)
class _Motion:
    ts: float
    boxes: tuple[tuple[int, int, int, int, int], ...]  # x, y, w, h, area (small pixels)


@dataclass(slots=True)
class SceneStats:
    """Whole-frame numbers the tamper monitor reads after each update."""

    changed_fraction: float = 0.0
    brightness: float = 0.0
    contrast: float = 0.0


def _union(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return x0, y0, x1 - x0, y1 - y0


def _iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = ix * iy
    union = aw * ah + bw * bh - inter
    return inter / union if union else 0.0


@dataclass(slots=True)
class _State:
    long_bg: np.ndarray
    short_bg: np.ndarray
    hold: np.ndarray
    since: np.ndarray
    foreground: np.ndarray
    last_ts: float


class LeftObjectDetector:
    """Feed frames in time order; get a ``Detection`` when something was left behind."""

    def __init__(self, config: CameraConfig, *, scale: float = 0.25) -> None:
        self.config = config
        self.scale = scale
        self.size = (round(config.width * scale), round(config.height * scale))
        regions = config.regions or [
            [(0, 0), (config.width, 0), (config.width, config.height), (0, config.height)]
        ]
        self._region = (
            polygon_mask(regions, width=config.width, height=config.height, scale=scale) > 0
        )
        self._area_scale = 1.0 / (scale * scale)
        self._kernel = np.ones((3, 3), np.uint8)
        self._state: _State | None = None
        self._tracks: list[_Track] = []
        self._next_id = 1
        history_s = config.dwell_s + config.pre_event_s + 10.0
        self._history_s = history_s
        self._motion: deque[_Motion] = deque()
        self.stats = SceneStats()

    def reset(self) -> None:
        """Forget the scene (after the camera was moved): relearn from the next frame."""
        self._state = None
        self._tracks.clear()
        self._motion.clear()

    def _prepare(self, image: np.ndarray) -> np.ndarray:
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
        small = cv2.resize(grey, self.size, interpolation=cv2.INTER_AREA)
        return cv2.GaussianBlur(small, (3, 3), 0).astype(np.float32)

    def update(self, ts: datetime, image: np.ndarray, *, detect: bool = True) -> list[Detection]:
        """Take one frame; returns the objects that reached the dwell time on this frame."""
        now = ts.timestamp()
        small = self._prepare(image)
        self.stats.brightness = float(small.mean())
        self.stats.contrast = float(small.std())
        state = self._state
        if state is None:
            shape = small.shape
            self._state = _State(
                long_bg=small.copy(),
                short_bg=small.copy(),
                hold=np.zeros(shape, np.float32),
                since=np.full(shape, np.inf, np.float64),
                foreground=np.zeros(shape, bool),
                last_ts=now,
            )
            self.stats.changed_fraction = 0.0
            return []
        dt = min(max(now - state.last_ts, 0.0), 1.0)
        state.last_ts = now
        threshold = float(self.config.diff_threshold)

        background = ~state.foreground
        ref = float(state.long_bg[background].mean()) if background.any() else 0.0
        gain = float(small[background].mean()) / ref if ref > 1.0 else 1.0
        compensated = small / gain if gain > 0.05 else small

        long_fg = cv2.absdiff(compensated, state.long_bg) > threshold
        long_fg = cv2.morphologyEx(long_fg.astype(np.uint8), cv2.MORPH_OPEN, self._kernel) > 0
        short_fg = cv2.absdiff(small, state.short_bg) > threshold
        static = long_fg & ~short_fg

        state.hold[static] += dt
        back = ~long_fg
        state.hold[back] = np.maximum(state.hold[back] - DECAY_RATE * dt, 0.0)
        state.since[long_fg & np.isinf(state.since)] = now
        state.since[back & (state.hold <= 0.0)] = np.inf

        alpha_short = 1.0 - math.exp(-dt / self.config.short_term_s)
        state.short_bg += alpha_short * (small - state.short_bg)
        alpha_long = 1.0 - math.exp(-dt / self.config.long_term_s)
        learn = back & (state.hold <= 0.0)
        state.long_bg[learn] += alpha_long * (compensated[learn] - state.long_bg[learn])
        state.foreground = long_fg
        self.stats.changed_fraction = float(long_fg.mean())

        moving = (short_fg & long_fg).astype(np.uint8)
        self._record_motion(now, moving)
        if not detect:
            return []
        return self._track(now, state, compensated)

    def _record_motion(self, now: float, moving: np.ndarray) -> None:
        count, _, stats, _ = cv2.connectedComponentsWithStats(
            cv2.dilate(moving, self._kernel), connectivity=8
        )
        boxes = tuple(
            (int(x), int(y), int(w), int(h), int(a))
            for x, y, w, h, a in stats[1:count]
            if a * self._area_scale >= self.config.person_area_px * 0.3
        )
        self._motion.append(_Motion(now, boxes))
        while self._motion and self._motion[0].ts < now - self._history_s:
            self._motion.popleft()

    def _track(self, now: float, state: _State, compensated: np.ndarray) -> list[Detection]:
        # Only pixels that still differ from the background: a car that drove off leaves a
        # decaying accumulator behind, which must not keep its track alive.
        candidate = ((state.hold >= STATIC_MIN_S) & state.foreground & self._region).astype(
            np.uint8
        )
        count, labels, stats, _ = cv2.connectedComponentsWithStats(
            cv2.dilate(candidate, self._kernel), connectivity=8
        )
        seen: set[int] = set()
        for label in range(1, count):
            x, y, w, h, _ = (int(v) for v in stats[label])
            pixels = (labels == label) & (candidate > 0)
            area = int(pixels.sum())
            full_area = area * self._area_scale
            if not self.config.min_object_area_px <= full_area <= self.config.max_object_area_px:
                continue
            since = state.since[pixels]
            since = since[np.isfinite(since)]
            started = float(np.median(since)) if since.size else now
            contrast = float(np.abs(compensated - state.long_bg)[pixels].mean())
            box = (x, y, w, h)
            match = max(
                (t for t in self._tracks if t.track_id not in seen),
                key=lambda t: _iou(t.bbox, box),
                default=None,
            )
            if match is None or _iou(match.bbox, box) < 0.2:
                match = _Track(self._next_id, box, started, now, area, contrast)
                # A piece of an object already reported (it split, or a person stood by it)
                # is the same dumping, not a new one.
                near = (x - 4, y - 4, w + 8, h + 8)
                match.reported = any(
                    t.reported and _iou(t.footprint, near) > 0.0 for t in self._tracks
                )
                self._next_id += 1
                self._tracks.append(match)
            match.bbox, match.last_seen, match.area, match.contrast = box, now, area, contrast
            match.footprint = _union(match.footprint, box) if match.reported else box
            match.first_seen = min(match.first_seen, started)
            seen.add(match.track_id)
        self._tracks = [
            t
            for t in self._tracks
            if now - t.last_seen <= (REPORTED_GRACE_S if t.reported else TRACK_GRACE_S)
        ]
        found = []
        for track in self._tracks:
            if track.reported or track.track_id not in seen:
                continue
            if now - track.first_seen >= self.config.dwell_s:
                track.reported = True
                found.append(self._detection(now, track))
        return found

    def _detection(self, now: float, track: _Track) -> Detection:
        person, vehicle = self._presence(track)
        x, y, w, h = track.bbox
        inv = 1.0 / self.scale
        threshold = float(self.config.diff_threshold)
        score = min(1.0, 0.5 + 0.5 * min(1.0, (track.contrast - threshold) / (2 * threshold)))
        return Detection(
            track_id=track.track_id,
            started_at=datetime.fromtimestamp(track.first_seen, UTC),
            detected_at=datetime.fromtimestamp(now, UTC),
            bbox=(round(x * inv), round(y * inv), round(w * inv), round(h * inv)),
            area_px=round(track.area * self._area_scale),
            score=round(max(score, 0.0), 3),
            person_present=person,
            vehicle_present=vehicle,
        )

    def _presence(self, track: _Track) -> tuple[bool, bool]:
        """Was a person- or car-sized moving thing near the object around when it appeared?"""
        x, y, w, h = track.bbox
        margin = max(w, h) + 6
        near = (x - margin, y - margin, w + 2 * margin, h + 2 * margin)
        start = track.first_seen - self.config.pre_event_s - 2.0
        end = track.first_seen + 2.0
        person = vehicle = False
        for motion in self._motion:
            if not start <= motion.ts <= end:
                continue
            for bx, by, bw, bh, area in motion.boxes:
                if _iou(near, (bx, by, bw, bh)) <= 0.0:
                    continue
                full = area * self._area_scale
                if full >= self.config.vehicle_area_px:
                    vehicle = True
                elif full >= self.config.person_area_px * 0.5:
                    person = True
        return person, vehicle
