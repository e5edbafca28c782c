"""Belgian licence plates by colour and shape: red characters on white, a blue EU band on the left.

No learned model: four cheap cues find a plate from about 40 px wide upwards, also tilted and in
perspective. Red counts as a plate's red only next to white (its characters are enclosed by the
white plate), so a red or brown car body does not swallow the plate. (1) Red strokes that line
up horizontally on a white ground, the characters. (2) The characters joined into one run at
any angle (at three stroke gaps, for small, mid-sized and near plates), with white around them
in a plate-shaped rectangle of the run's angle. (3) A small, upright, saturated blue patch (the
EU band) with white directly to its right. (4) A white area of a plate's shape at any angle (its
minimum-area rectangle 2.2-8 times as long as high) with red characters inside, also when it
lies inside another area's outline (a plate on a car that the grey pavement surrounds). Each
candidate box is grown to a whole plate's proportions (52 x 11 cm) before it is blurred, so a
plate is hidden even when only its band or part of its text was found. A false find costs only
a blurred patch; a missed plate is a privacy leak, so the cues are loose on purpose.
"""

from __future__ import annotations

import cv2
import numpy as np

Box = tuple[int, int, int, int]
PLATE_ASPECT = 520 / 110
NEAR_WHITE = cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (5, 5))
# The stroke gaps characters are joined at: small, mid-sized and near plates.
RUN_JOINS = tuple(cv2.getStructuringElement(cv2.MORPH_ELLIPSE, (g, g)) for g in (3, 5, 9))


def _masks(image: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    hsv = cv2.cvtColor(image, cv2.COLOR_BGR2HSV)
    hue, sat, val = hsv[..., 0], hsv[..., 1].astype(np.int16), hsv[..., 2].astype(np.int16)
    red = ((hue <= 10) | (hue >= 160)) & (sat >= 50) & (val >= 50)
    blue = (hue >= 98) & (hue <= 130) & (sat >= 90) & (val >= 40)
    white = (sat <= 60) & (val >= 110)
    return red, blue, white


def _grow(box: tuple[float, float, float, float], shape: tuple[int, ...]) -> Box:
    x, y, w, h = box
    height, width = shape[:2]
    x0, y0 = max(0, int(x)), max(0, int(y))
    x1, y1 = min(width, int(np.ceil(x + w))), min(height, int(np.ceil(y + h)))
    return x0, y0, max(1, x1 - x0), max(1, y1 - y0)


def _text_lines(red: np.ndarray, white: np.ndarray, shape: tuple[int, ...]) -> list[Box]:
    """Runs of red strokes on white: the plate's characters."""
    strokes = red.astype(np.uint8)
    joined = cv2.morphologyEx(strokes, cv2.MORPH_CLOSE, np.ones((3, 9), np.uint8))
    count, _, stats, _ = cv2.connectedComponentsWithStats(joined, connectivity=8)
    boxes = []
    white_u8 = white.astype(np.uint8)
    for x, y, w, h, area in stats[1:count]:
        if h < 3 or w < 10 or not 1.6 <= w / h <= 12.0 or area < 12:
            continue
        # A text line lies on white: look at a band around it.
        pad_x, pad_y = max(2, w // 8), max(2, h // 2)
        y0, y1 = max(0, y - pad_y), min(shape[0], y + h + pad_y)
        x0, x1 = max(0, x - pad_x), min(shape[1], x + w + pad_x)
        around = white_u8[y0:y1, x0:x1]
        red_share = float(strokes[y0:y1, x0:x1].mean())
        if float(around.mean()) < 0.25 or not 0.04 <= red_share <= 0.6:
            continue
        # Characters fill about 70 % of the plate's height and 80 % of its width (with the band).
        plate_h = h / 0.7
        plate_w = max(w / 0.8, plate_h * PLATE_ASPECT * 0.6)
        boxes.append(
            _grow((x - (plate_w - w) * 0.6, y - (plate_h - h) / 2, plate_w, plate_h), shape)
        )
    return boxes


def _text_runs(red: np.ndarray, white: np.ndarray, shape: tuple[int, ...]) -> list[Box]:
    """Red characters joined into a run at any angle, on white: a tilted plate's text.

    The characters are joined at three stroke gaps (small, mid-sized and near plates); a run
    whose minimum-area rectangle is long and thin, with white around it inside a plate-shaped
    rectangle of the same angle, gives that rectangle's upright bounding box.
    """
    strokes = red.astype(np.uint8)
    height, width = shape[:2]
    boxes = []
    for kernel in RUN_JOINS:
        joined = cv2.morphologyEx(strokes, cv2.MORPH_CLOSE, kernel)
        for contour in _outer_contours(joined):
            (cx, cy), (side_a, side_b), angle = cv2.minAreaRect(contour)
            long, short = max(side_a, side_b), min(side_a, side_b)
            if long < 10 or short < 2 or not 2.5 <= long / short <= 14.0:
                continue
            # The plate around the text: longer by the band and margins, as high as its shape.
            plate_long = long / 0.72
            plate_short = max(short / 0.6, plate_long / PLATE_ASPECT)
            size = (plate_long, plate_short) if side_a >= side_b else (plate_short, plate_long)
            corners = cv2.boxPoints(((cx, cy), size, angle))
            x0, y0 = np.floor(corners.min(axis=0)).astype(int)
            x1, y1 = np.ceil(corners.max(axis=0)).astype(int)
            x0, y0, x1, y1 = max(0, x0), max(0, y0), min(width, x1), min(height, y1)
            if x1 - x0 < 4 or y1 - y0 < 3:
                continue
            inside = np.zeros((y1 - y0, x1 - x0), np.uint8)
            cv2.fillConvexPoly(inside, np.round(corners - (x0, y0)).astype(np.int32), 1)
            chosen = inside > 0
            if not chosen.any():
                continue
            white_share = float(white[y0:y1, x0:x1][chosen].mean())
            red_share = float(red[y0:y1, x0:x1][chosen].mean())
            if white_share >= 0.3 and 0.05 <= red_share <= 0.6:
                boxes.append((int(x0), int(y0), int(x1 - x0), int(y1 - y0)))
    return boxes


def _eu_bands(blue: np.ndarray, white: np.ndarray, shape: tuple[int, ...]) -> list[Box]:
    """Upright blue patches with white to their right: the EU band."""
    count, _, stats, _ = cv2.connectedComponentsWithStats(blue.astype(np.uint8), connectivity=8)
    boxes = []
    for x, y, w, h, area in stats[1:count]:
        if h < 4 or area < 8 or not 0.9 <= h / max(w, 1) <= 5.0 or area < 0.4 * w * h:
            continue
        right = white[y : y + h, x + w : min(shape[1], x + w + 3 * h)]
        if right.size == 0 or float(right.mean()) < 0.35:
            continue
        plate_w = h * PLATE_ASPECT
        boxes.append(_grow((x - w * 0.3, y - h * 0.15, plate_w + w * 0.3, h * 1.3), shape))
    return boxes


def _outer_contours(mask: np.ndarray) -> list[np.ndarray]:
    """Outer boundaries of every component, also of those lying in another's hole (a plate
    inside the outline of a car that the pavement surrounds)."""
    contours, hierarchy = cv2.findContours(mask, cv2.RETR_CCOMP, cv2.CHAIN_APPROX_SIMPLE)
    if hierarchy is None:
        return []
    return [c for c, link in zip(contours, hierarchy[0], strict=True) if link[3] < 0]


def _plate_bodies(red: np.ndarray, white: np.ndarray) -> list[Box]:
    """White, plate-shaped (in any tilt) areas with red characters inside."""
    body = cv2.morphologyEx(
        (white | red).astype(np.uint8), cv2.MORPH_CLOSE, np.ones((3, 3), np.uint8)
    )
    boxes = []
    for contour in _outer_contours(body):
        area = cv2.contourArea(contour)
        if area < 40:
            continue
        _, (side_a, side_b), _ = cv2.minAreaRect(contour)
        long, short = max(side_a, side_b), min(side_a, side_b)
        if short < 3 or not 2.2 <= long / short <= 8.0 or area < 0.55 * long * short:
            continue
        x, y, w, h = cv2.boundingRect(contour)
        inside = np.zeros((h, w), np.uint8)
        cv2.drawContours(inside, [contour - np.array([x, y])], -1, 1, -1)
        red_share = float(red[y : y + h, x : x + w][inside > 0].mean())
        if 0.04 <= red_share <= 0.6:
            boxes.append((int(x), int(y), int(w), int(h)))
    return boxes


def find_plates(image: np.ndarray) -> list[Box]:
    """Boxes (x, y, w, h) around what look like Belgian plates in a BGR image."""
    red, blue, white = _masks(image)
    # A plate's characters are enclosed by its white: red away from white (a red car) is not text.
    near_white = cv2.dilate(white.astype(np.uint8), NEAR_WHITE) > 0
    red = red & near_white
    return (
        _text_lines(red, white, image.shape)
        + _text_runs(red, white, image.shape)
        + _eu_bands(blue, white, image.shape)
        + _plate_bodies(red, white)
    )
