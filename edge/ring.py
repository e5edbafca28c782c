"""The pre-event ring buffer: recent unblurred frames, JPEG-compressed, kept in memory only."""

from __future__ import annotations

from collections import deque
from dataclasses import dataclass
from datetime import datetime

import cv2
import numpy as np


@dataclass(frozen=True, slots=True)
class Snapshot:
    """One buffered frame."""

    ts: datetime
    jpeg: bytes

    def image(self) -> np.ndarray:
        """Decode the frame."""
        decoded = cv2.imdecode(np.frombuffer(self.jpeg, np.uint8), cv2.IMREAD_COLOR)
        assert decoded is not None, "a buffered JPEG always decodes"
        return decoded


class FrameRing:
    """Keeps one frame every ``1 / fps`` seconds for the last ``seconds``."""

    def __init__(self, *, seconds: float, fps: float, quality: int = 88) -> None:
        self._seconds = seconds
        self._interval = 1.0 / fps
        self._quality = quality
        self._frames: deque[Snapshot] = deque()

    def push(self, ts: datetime, image: np.ndarray) -> None:
        """Offer a frame; it is kept when the interval since the last kept one has passed."""
        if self._frames and (ts - self._frames[-1].ts).total_seconds() < self._interval * 0.95:
            return
        ok, buffer = cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, self._quality])
        if not ok:
            return
        self._frames.append(Snapshot(ts, buffer.tobytes()))
        while self._frames and (ts - self._frames[0].ts).total_seconds() > self._seconds:
            self._frames.popleft()

    def between(self, start: datetime, end: datetime) -> list[Snapshot]:
        """Kept frames with ``start <= ts <= end``."""
        return [s for s in self._frames if start <= s.ts <= end]

    def nearest(self, moment: datetime) -> Snapshot | None:
        """The kept frame closest in time to ``moment``."""
        if not self._frames:
            return None
        return min(self._frames, key=lambda s: abs((s.ts - moment).total_seconds()))

    def __len__(self) -> int:
        return len(self._frames)
