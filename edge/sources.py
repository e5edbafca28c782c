"""Where frames come from: a camera stream (RTSP or USB) or a video file, behind one interface."""

from __future__ import annotations

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Protocol

import cv2
import numpy as np


@dataclass(frozen=True, slots=True)
class Frame:
    """One BGR image and when it was taken."""

    ts: datetime
    image: np.ndarray


class FrameSource(Protocol):
    """Anything that yields frames until it is exhausted or closed."""

    def frames(self) -> Iterator[Frame]:
        """Frames in order; a live source never ends by itself."""
        ...

    def close(self) -> None:
        """Release the device or file."""
        ...


class OpenCvSource:
    """A camera (``rtsp://...``, a USB index like ``0``) or a video file, read through OpenCV.

    Live sources are stamped with the wall clock; files with their own position from ``start``,
    so a recorded scene replays with its real timing at any processing speed.
    """

    def __init__(
        self,
        location: str,
        *,
        size: tuple[int, int] | None = None,
        start: datetime | None = None,
        reconnect: bool | None = None,
    ) -> None:
        import cv2

        self._location = location
        self._size = size
        self._live = location.isdigit() or "://" in location
        self._reconnect = self._live if reconnect is None else reconnect
        self._start = start or datetime.now(UTC)
        self._capture = self._open()
        if not self._capture.isOpened():
            raise OSError(f"cannot open frame source {location!r}")
        self._fps = float(self._capture.get(cv2.CAP_PROP_FPS)) or 25.0
        self.last_ts = self._start

    @property
    def fps(self) -> float:
        """Frames per second the source announces (25 when it does not say)."""
        return self._fps

    def _open(self) -> cv2.VideoCapture:
        import cv2

        if self._location.isdigit():
            capture = cv2.VideoCapture(int(self._location))
        else:
            capture = cv2.VideoCapture(self._location)
        if self._size is not None and self._live:
            capture.set(cv2.CAP_PROP_FRAME_WIDTH, self._size[0])
            capture.set(cv2.CAP_PROP_FRAME_HEIGHT, self._size[1])
        return capture

    def frames(self) -> Iterator[Frame]:
        """Read until the file ends (or, for a stream that drops, reopen it)."""
        import cv2

        index = 0
        while True:
            ok, image = self._capture.read()
            if not ok:
                if not self._reconnect:
                    return
                self._capture.release()
                self._capture = self._open()
                continue
            if self._size is not None and (image.shape[1], image.shape[0]) != self._size:
                image = cv2.resize(image, self._size, interpolation=cv2.INTER_AREA)
            if self._live:
                ts = datetime.now(UTC)
            else:
                ts = self._start + timedelta(seconds=index / self._fps)
            index += 1
            self.last_ts = ts
            yield Frame(ts, image)

    def close(self) -> None:
        """Release the capture."""
        self._capture.release()


class ListSource:
    """Frames held in memory (tests and the evaluation harness)."""

    def __init__(self, frames: list[Frame]) -> None:
        self._frames = frames

    def frames(self) -> Iterator[Frame]:
        """The frames as given."""
        yield from self._frames

    def close(self) -> None:
        """Nothing to release."""
