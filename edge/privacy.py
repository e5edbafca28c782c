"""Privacy on the device: faces and licence plates blurred, private zones black.

Every image that leaves the unit goes through ``PrivacyFilter.apply`` first. Faces and plates
are found with the Haar cascades that the OpenCV 4 wheels ship (``cv2.data.haarcascades``):
they run offline on a small CPU and need no model download. The blur is a coarse pixelation
followed by a Gaussian, so no detail of the face or plate survives.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import cv2
import numpy as np

from edge.config import CameraConfig, polygon_mask

FACE_CASCADES = ("haarcascade_frontalface_default.xml", "haarcascade_profileface.xml")
PLATE_CASCADES = ("haarcascade_russian_plate_number.xml",)
Box = tuple[int, int, int, int]


def _cascade(name: str) -> cv2.CascadeClassifier:
    # cv2.data is where the wheels put the cascades; the type stubs do not declare it.
    path = Path(importlib.import_module("cv2.data").haarcascades) / name
    classifier = cv2.CascadeClassifier(str(path))
    if classifier.empty():
        raise RuntimeError(f"OpenCV cascade {name} is missing; install opencv-python-headless 4.x")
    return classifier


def obliterate(image: np.ndarray, box: Box, *, pad: float = 0.25) -> None:
    """Destroy the detail inside a box (padded), in place."""
    height, width = image.shape[:2]
    x, y, w, h = box
    dx, dy = int(w * pad), int(h * pad)
    x0, y0 = max(0, x - dx), max(0, y - dy)
    x1, y1 = min(width, x + w + dx), min(height, y + h + dy)
    if x1 <= x0 or y1 <= y0:
        return
    region = image[y0:y1, x0:x1]
    tiny = cv2.resize(
        region, (max(1, (x1 - x0) // 16), max(1, (y1 - y0) // 16)), interpolation=cv2.INTER_AREA
    )
    coarse = cv2.resize(tiny, (x1 - x0, y1 - y0), interpolation=cv2.INTER_NEAREST)
    k = max(3, ((min(x1 - x0, y1 - y0) // 4) | 1))
    image[y0:y1, x0:x1] = cv2.GaussianBlur(coarse, (k, k), 0)


class PrivacyFilter:
    """Blurs faces and plates and blacks out private zones of one camera."""

    def __init__(self, config: CameraConfig) -> None:
        self._faces = [_cascade(n) for n in FACE_CASCADES]
        self._plates = [_cascade(n) for n in PLATE_CASCADES]
        self._zones = (
            polygon_mask(config.private_zones, width=config.width, height=config.height)
            if config.private_zones
            else None
        )

    def find(self, image: np.ndarray) -> list[Box]:
        """Boxes of faces and plates in a BGR image."""
        grey = cv2.equalizeHist(cv2.cvtColor(image, cv2.COLOR_BGR2GRAY))
        boxes: list[Box] = []
        for classifier in self._faces:
            found = classifier.detectMultiScale(
                grey, scaleFactor=1.15, minNeighbors=4, minSize=(20, 20)
            )
            boxes += [tuple(int(v) for v in b) for b in found]  # type: ignore[misc]  # cv2 returns rows of 4
        for classifier in self._plates:
            found = classifier.detectMultiScale(
                grey, scaleFactor=1.15, minNeighbors=3, minSize=(30, 10)
            )
            boxes += [tuple(int(v) for v in b) for b in found]  # type: ignore[misc]  # cv2 returns rows of 4
        return boxes

    def apply(self, image: np.ndarray) -> np.ndarray:
        """A copy that is safe to leave the device."""
        safe = image.copy()
        zones: np.ndarray | None
        if self._zones is not None and self._zones.shape != safe.shape[:2]:
            zones = cv2.resize(
                self._zones, (safe.shape[1], safe.shape[0]), interpolation=cv2.INTER_NEAREST
            )
        else:
            zones = self._zones
        if zones is not None:
            safe[zones > 0] = 0  # before detection: nothing inside a zone is even looked at
        for box in self.find(safe):
            obliterate(safe, box)
        return safe
