"""Street-sized test cases for the privacy filter: real faces and generated Belgian plates.

Faces are real photographs that scikit-image ships (the astronaut portrait, and the face half of
its Labeled Faces in the Wild subset), scaled so the face is 16-80 px wide in a 640x480 frame,
tilted up to 45 degrees and foreshortened as seen from a camera on a pole, then pasted on the
synthetic pavement. Plates are drawn in the Belgian format (``1-ABC-234``, red on white, blue EU
band with a white ``B``), warped in perspective and placed the same way. A case counts as
hidden when the blurred boxes cover at least 90 % of it. scikit-image is a development
dependency: it is imported only when cases are made.
"""

from __future__ import annotations

import random
import string
from collections.abc import Callable
from dataclasses import dataclass

import cv2
import numpy as np

from edge.synthetic import HEIGHT, WIDTH, _hard_background

Box = tuple[int, int, int, int]
ASTRONAUT_FACE = (182, 59, 88, 118)  # the face in skimage's astronaut, x y w h
HIDDEN_SHARE = 0.9  # a case is hidden when this share of it lies in blurred boxes


@dataclass(frozen=True, slots=True)
class Case:
    """A frame with one face or plate in it, and where it is."""

    image: np.ndarray
    box: Box
    width_px: int
    tilt_deg: float
    from_above: bool
    source: str


def _paste(
    frame: np.ndarray, patch: np.ndarray, mask: np.ndarray, x: int, y: int
) -> tuple[int, int]:
    h, w = patch.shape[:2]
    x = int(np.clip(x, 0, WIDTH - w))
    y = int(np.clip(y, 160, HEIGHT - h))
    region = frame[y : y + h, x : x + w].astype(np.float32)
    alpha = mask.astype(np.float32)[..., None]
    frame[y : y + h, x : x + w] = (alpha * patch + (1 - alpha) * region).astype(np.uint8)
    return x, y


def _warp(
    patch: np.ndarray, mask: np.ndarray, tilt: float, from_above: bool
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Rotate by ``tilt`` and foreshorten; returns patch, mask and the 3x3 map used."""
    h, w = patch.shape[:2]
    src = np.array([[0, 0], [w, 0], [w, h], [0, h]], np.float32)
    dst = src.copy()
    if from_above:  # the top of the head is nearer the camera: wider, the chin squeezed
        dst = np.array([[0, 0], [w, 0], [w * 0.88, h * 0.72], [w * 0.12, h * 0.72]], np.float32)
    centre = dst.mean(axis=0)
    angle = np.deg2rad(tilt)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    dst = (dst - centre) @ rotation.T
    dst -= dst.min(axis=0)
    size = (int(np.ceil(dst[:, 0].max())) + 1, int(np.ceil(dst[:, 1].max())) + 1)
    matrix = cv2.getPerspectiveTransform(src, dst.astype(np.float32))
    warped = cv2.warpPerspective(patch, matrix, size, flags=cv2.INTER_AREA)
    warped_mask = cv2.warpPerspective(mask, matrix, size, flags=cv2.INTER_LINEAR)
    return warped, warped_mask, matrix


def _box_of(matrix: np.ndarray, box: Box, offset: tuple[int, int]) -> Box:
    x, y, w, h = box
    corners = np.array([[[x, y]], [[x + w, y]], [[x + w, y + h]], [[x, y + h]]], np.float32)
    moved = np.asarray(cv2.perspectiveTransform(corners, matrix)).reshape(-1, 2) + np.array(
        offset, np.float32
    )
    x0, y0 = moved.min(axis=0)
    x1, y1 = moved.max(axis=0)
    return int(x0), int(y0), max(1, int(x1 - x0)), max(1, int(y1 - y0))


def _faces() -> list[tuple[str, np.ndarray, Box]]:
    from skimage import data

    astronaut = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)  # type: ignore[no-untyped-call]  # scikit-image has no type hints
    fx, fy, fw, fh = ASTRONAUT_FACE
    # The head with hair and neck around the face, as a camera sees a person.
    x0, y0 = max(0, fx - fw // 2), max(0, fy - fh // 3)
    x1, y1 = min(512, fx + fw + fw // 2), min(512, fy + fh + fh // 2)
    sources = [("astronaut", astronaut[y0:y1, x0:x1], (fx - x0, fy - y0, fw, fh))]
    lfw = data.lfw_subset()[:100]  # type: ignore[no-untyped-call]  # the first hundred are faces
    for number in range(0, 100, 10):
        grey = (lfw[number] * 255).astype(np.uint8)
        sources.append((f"lfw-{number}", cv2.cvtColor(grey, cv2.COLOR_GRAY2BGR), (3, 2, 19, 22)))
    return sources


def face_cases(
    *, seed: int, widths: tuple[int, ...], tilts: tuple[float, ...], per_setting: int = 1
) -> list[Case]:
    """Every width x tilt x (level, from above), ``per_setting`` faces each, on pavement."""
    rng = random.Random(seed)
    sources = _faces()
    cases = []
    for width in widths:
        for tilt in tilts:
            for from_above in (False, True):
                for _ in range(per_setting):
                    name, head, face = rng.choice(sources)
                    scale = width / face[2]
                    size = (
                        max(2, round(head.shape[1] * scale)),
                        max(2, round(head.shape[0] * scale)),
                    )
                    patch = cv2.resize(head, size, interpolation=cv2.INTER_AREA)
                    mask = np.zeros(patch.shape[:2], np.float32)
                    centre = (patch.shape[1] // 2, patch.shape[0] // 2)
                    axes = (patch.shape[1] // 2, patch.shape[0] // 2)
                    cv2.ellipse(mask, centre, axes, 0, 0, 360, 1.0, -1)
                    scaled_face = tuple(round(v * scale) for v in face)
                    signed = tilt * rng.choice([-1, 1])
                    warped, warped_mask, matrix = _warp(patch, mask, signed, from_above)
                    frame = _hard_background(np.random.default_rng(rng.randrange(2**31)))
                    x, y = _paste(
                        frame,
                        warped,
                        warped_mask,
                        rng.randrange(0, WIDTH),
                        rng.randrange(160, HEIGHT),
                    )
                    box = _box_of(matrix, scaled_face, (x, y))  # type: ignore[arg-type]  # 4 ints
                    cases.append(Case(frame, box, width, signed, from_above, name))
    return cases


def belgian_plate(text: str, *, height: int = 110) -> np.ndarray:
    """A Belgian plate (52 x 11 cm proportions) as a BGR image ``height`` px tall."""
    width = round(height * 520 / 110)
    plate = np.full((height, width, 3), 245, np.uint8)
    band = round(width * 0.08)
    plate[:, :band] = (153, 51, 0)  # EU blue
    cv2.putText(
        plate,
        "B",
        (band // 5, int(height * 0.85)),
        cv2.FONT_HERSHEY_SIMPLEX,
        height / 90,
        (255, 255, 255),
        max(1, height // 40),
        cv2.LINE_AA,
    )
    for k in range(12):  # the ring of stars
        angle = 2 * np.pi * k / 12
        cx = int(band / 2 + band * 0.3 * np.cos(angle))
        cy = int(height * 0.32 + band * 0.3 * np.sin(angle))
        cv2.circle(plate, (cx, cy), max(1, height // 70), (0, 204, 255), -1)
    scale = height / 36
    (tw, th), _ = cv2.getTextSize(text, cv2.FONT_HERSHEY_DUPLEX, scale, 1)
    thickness = max(1, height // 14)
    x = band + max(2, (width - band - tw) // 2)
    y = (height + th) // 2
    cv2.putText(
        plate, text, (x, y), cv2.FONT_HERSHEY_DUPLEX, scale, (40, 16, 150), thickness, cv2.LINE_AA
    )
    cv2.rectangle(plate, (0, 0), (width - 1, height - 1), (40, 16, 150), max(1, height // 40))
    return plate


def plate_text(rng: random.Random) -> str:
    """A plate number in the current Belgian format."""
    letters = "".join(rng.choice(string.ascii_uppercase) for _ in range(3))
    return f"{rng.randint(1, 2)}-{letters}-{rng.randint(0, 999):03d}"


def plate_cases(
    *, seed: int, widths: tuple[int, ...], tilts: tuple[float, ...], per_setting: int = 1
) -> list[Case]:
    """Plates on a car body, every width x tilt x (level, from above)."""
    rng = random.Random(seed)
    cases = []
    for width in widths:
        for tilt in tilts:
            for from_above in (False, True):
                for _ in range(per_setting):
                    big = belgian_plate(plate_text(rng))
                    height = max(2, round(width * 110 / 520))
                    patch = cv2.resize(big, (width, height), interpolation=cv2.INTER_AREA)
                    mask = np.ones(patch.shape[:2], np.float32)
                    signed = tilt * rng.choice([-1, 1])
                    warped, warped_mask, matrix = _warp(patch, mask, signed, from_above)
                    frame = _hard_background(np.random.default_rng(rng.randrange(2**31)))
                    body = tuple(rng.randint(20, 200) for _ in range(3))
                    cx, cy = rng.randrange(120, WIDTH - 120), rng.randrange(240, HEIGHT - 60)
                    cv2.rectangle(frame, (cx - 110, cy - 50), (cx + 110, cy + 40), body, -1)
                    x, y = _paste(
                        frame,
                        warped,
                        warped_mask,
                        cx - warped.shape[1] // 2,
                        cy - warped.shape[0] // 2,
                    )
                    box = _box_of(matrix, (0, 0, width, height), (x, y))
                    cases.append(Case(frame, box, width, signed, from_above, "plate"))
    return cases


NEGATIVE_PHOTOS = (
    "brick",
    "chelsea",
    "clock",
    "coffee",
    "coins",
    "grass",
    "gravel",
    "hubble_deep_field",
    "immunohistochemistry",
    "moon",
    "page",
    "rocket",
    "text",
)


def negative_frames(*, seed: int, pavements: int = 12) -> list[tuple[str, np.ndarray]]:
    """640x480 frames without a face or a plate: scikit-image's photographs that show none (a
    cat, a rocket, coffee, coins, text, textures), its Labeled Faces in the Wild non-faces tiled
    into one frame, and the street's pavement."""
    from skimage import data

    frames = []
    for name in NEGATIVE_PHOTOS:
        picture = np.asarray(getattr(data, name)())
        code = cv2.COLOR_GRAY2BGR if picture.ndim == 2 else cv2.COLOR_RGB2BGR
        picture = cv2.cvtColor(picture, code)
        frames.append((name, cv2.resize(picture, (WIDTH, HEIGHT), interpolation=cv2.INTER_AREA)))
    non_faces = data.lfw_subset()[100:]  # type: ignore[no-untyped-call]  # the second hundred are not faces
    grid = np.full((HEIGHT, WIDTH), 120, np.uint8)
    for number, patch in enumerate(non_faces[:96]):
        row, column = divmod(number, 12)
        tile = cv2.resize((patch * 255).astype(np.uint8), (48, 48), interpolation=cv2.INTER_LINEAR)
        grid[row * 60 : row * 60 + 48, column * 53 : column * 53 + 48] = tile
    frames.append(("lfw-non-faces", cv2.cvtColor(grid, cv2.COLOR_GRAY2BGR)))
    rng = np.random.default_rng(seed)
    frames += [(f"pavement-{k}", _hard_background(rng)) for k in range(pavements)]
    return frames


def hidden(case: Case, boxes: list[Box]) -> bool:
    """Whether the blurred boxes (as ``PrivacyFilter.find`` returns them) cover the case."""
    covered = np.zeros((HEIGHT, WIDTH), bool)
    for x, y, w, h in boxes:
        covered[max(0, y) : max(0, y + h), max(0, x) : max(0, x + w)] = True
    x, y, w, h = case.box
    target = covered[max(0, y) : max(0, y + h), max(0, x) : max(0, x + w)]
    return bool(target.size) and float(target.mean()) >= HIDDEN_SHARE


def hidden_share(cases: list[Case], find: Callable[[np.ndarray], list[Box]]) -> float:
    """Share of the cases hidden by the boxes ``find`` returns."""
    return sum(hidden(case, find(case.image)) for case in cases) / len(cases) if cases else 1.0
