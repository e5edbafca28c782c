"""Synthetic hotspot videos with ground truth, for evaluating the detector.

A scene is a fixed street corner (textured pavement, a wall, a kerb) in which scripted actors
move: people who drop a bag and leave it, people who put something down and pick it up again,
people loitering, cars that stop briefly. Any scene may add a light ramp, sensor noise or rain.
Everything is drawn from one seed, so a set is reproducible bit for bit.

Scenes of the ``classic`` condition have plainly visible objects. The harder conditions
(``CONDITIONS``) are what a pole-mounted camera films: paving stones with joints and stains, left
objects only 5-20 grey levels from the ground beneath them (with folds of their own), people
casting shadows, and one of: drifting cloud shadows, dusk, night (grey infrared image, strong
sensor noise, an illuminator's hot spot), rain, or heavy compression. Their scene kinds add the
cases that look like dumping and are not: a person standing still longer than the dwell time, a
car that parks, a wheelie bin that is used and nudged.
"""

from __future__ import annotations

import json
import math
import random
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np

WIDTH, HEIGHT = 640, 480
CLASSIC_KINDS = ("drop", "pickup", "loiter", "car", "drop_loiter", "drop_car")
KINDS = (*CLASSIC_KINDS, "linger", "park", "bin")
CONDITIONS = ("day", "shadows", "dusk", "night", "rain", "compressed")
HARD_KINDS = ("drop", "pickup", "linger", "park", "bin", "drop_loiter", "drop_car")
BIN_BOX = (520, 250, 56, 80)  # x, y, w, h of the wheelie bin in hard scenes


@dataclass(frozen=True, slots=True)
class TruthEvent:
    """An object that was left behind: when it landed and where."""

    at_s: float
    bbox: tuple[int, int, int, int]
    left_s: float | None = None  # when the person who brought it had walked away from it


@dataclass(frozen=True, slots=True)
class SceneSpec:
    """Everything needed to render one video."""

    name: str
    kind: str
    seed: int
    duration_s: float
    fps: float
    light_ramp: float  # final brightness factor (1.0: none)
    noise_sigma: float
    rain: bool
    truth: tuple[TruthEvent, ...] = field(default_factory=tuple)
    condition: str = "classic"


@dataclass(slots=True)
class _Walker:
    """A person or a car moving along waypoints: (time, x, y) with straight lines between."""

    path: list[tuple[float, float, float]]
    kind: str  # person | car
    colour: tuple[int, int, int]

    def position(self, t: float) -> tuple[float, float] | None:
        if t < self.path[0][0] or t > self.path[-1][0]:
            return None
        for (t0, x0, y0), (t1, x1, y1) in zip(self.path, self.path[1:], strict=False):
            if t0 <= t <= t1:
                f = 0.0 if t1 == t0 else (t - t0) / (t1 - t0)
                return x0 + f * (x1 - x0), y0 + f * (y1 - y0)
        return None


@dataclass(slots=True)
class _Item:
    """An object on the ground from ``start`` to ``end``."""

    start: float
    end: float
    x: int
    y: int
    w: int
    h: int
    colour: tuple[int, int, int]
    round_shape: bool
    patch: np.ndarray | None = None  # hard scenes: the object's own pixels (BGR, float)
    mask: np.ndarray | None = None  # ...and its outline
    carrier: int | None = None  # index of the walker who carries it until ``start``
    binned: bool = False  # put into the bin rather than on the ground


@dataclass(slots=True)
class _Script:
    walkers: list[_Walker] = field(default_factory=list)
    items: list[_Item] = field(default_factory=list)
    truth: list[TruthEvent] = field(default_factory=list)
    parked: list[int] = field(default_factory=list)  # walkers that are cars staying put
    bin_lid: tuple[float, float] | None = None  # lid open from, to
    bin_shift: int = 0  # pixels the bin moved when it was used


def _background(rng: np.random.Generator) -> np.ndarray:
    base = rng.integers(95, 140)
    coarse = rng.normal(0, 10, (HEIGHT // 8, WIDTH // 8)).astype(np.float32)
    texture = cv2.resize(coarse, (WIDTH, HEIGHT), interpolation=cv2.INTER_CUBIC)
    fine = rng.normal(0, 4, (HEIGHT, WIDTH)).astype(np.float32)
    grey = np.clip(base + texture + fine, 0, 255)
    image = np.dstack([grey * 0.95, grey, grey * 1.02]).clip(0, 255).astype(np.uint8)
    cv2.rectangle(image, (0, 0), (WIDTH, 150), (70, 75, 85), -1)  # house front
    for wx in range(40, WIDTH, 150):
        cv2.rectangle(image, (wx, 30), (wx + 60, 110), (40, 45, 60), -1)  # windows
    cv2.line(image, (0, 390), (WIDTH, 390), (180, 180, 180), 3)  # kerb
    return image


def _person_path(
    rng: random.Random, start: float, spot: tuple[float, float], stay: float
) -> list[tuple[float, float, float]]:
    side = rng.choice([-60.0, WIDTH + 60.0])
    walk = abs(spot[0] - side) / rng.uniform(60, 110)
    arrive = start + walk
    leave = arrive + stay
    exit_side = rng.choice([-60.0, WIDTH + 60.0])
    back = abs(spot[0] - exit_side) / rng.uniform(60, 110)
    y = spot[1]
    return [
        (start, side, y + 10),
        (arrive, spot[0], y),
        (leave, spot[0], y),
        (leave + back, exit_side, y + 10),
    ]


def _loiter_path(rng: random.Random, duration: float) -> list[tuple[float, float, float]]:
    # People walk in from a side: the first frames show the empty street the unit starts from.
    t, x, y = rng.uniform(0.5, 4.0), rng.choice([-40.0, WIDTH + 40.0]), rng.uniform(230, 360)
    path = [(t, x, y)]
    while t < duration:
        nx, ny = rng.uniform(80, 560), rng.uniform(220, 370)
        t += max(abs(nx - x), abs(ny - y)) / rng.uniform(30, 80) + 0.2
        path.append((t, nx, ny))
        pause = rng.uniform(0.5, 4.0)  # a short stop; longer than the dwell would be a statue
        t += pause
        path.append((t, nx, ny))
        x, y = nx, ny
    return path


def _item(rng: random.Random, start: float, end: float, spot: tuple[float, float]) -> _Item:
    w, h = rng.randint(34, 80), rng.randint(28, 60)
    shade = rng.choice([rng.randint(10, 50), rng.randint(185, 245)])
    tint = (shade, min(255, shade + rng.randint(-10, 20)), max(0, shade - rng.randint(0, 25)))
    return _Item(
        start, end, int(spot[0] - w / 2), int(spot[1] + 30 - h), w, h, tint, rng.random() < 0.5
    )


def _script(spec: SceneSpec) -> _Script:
    rng = random.Random(spec.seed)
    script = _Script()
    person_colour = (rng.randint(20, 200), rng.randint(20, 200), rng.randint(20, 200))
    if spec.kind in {"drop", "drop_loiter", "drop_car", "pickup"}:
        start = rng.uniform(1.0, 8.0)
        spot = (rng.uniform(120, 520), rng.uniform(240, 350))
        path = _person_path(rng, start, spot, stay=rng.uniform(1.0, 3.0))
        arrive = path[1][0]
        if spec.kind == "pickup":
            gone = arrive + rng.uniform(3.0, 9.0)
            path2 = _person_path(rng, gone - 3.0, spot, stay=1.0)
            item = _item(rng, arrive + 0.5, path2[1][0] + 0.5, spot)
            script.walkers.append(_Walker(path2, "person", person_colour))
        else:
            item = _item(rng, arrive + 0.5, spec.duration_s + 1, spot)
            script.truth.append(TruthEvent(item.start, (item.x, item.y, item.w, item.h)))
        script.items.append(item)
        script.walkers.append(_Walker(path, "person", person_colour))
    if spec.kind in {"loiter", "drop_loiter"}:
        for _ in range(rng.randint(1, 2)):
            colour = (rng.randint(20, 200), rng.randint(20, 200), rng.randint(20, 200))
            script.walkers.append(_Walker(_loiter_path(rng, spec.duration_s), "person", colour))
    if spec.kind in {"car", "drop_car"}:
        start = rng.uniform(0.0, 10.0)
        stop_x = rng.uniform(150, 490)
        park = rng.uniform(3.0, 9.0)
        side = rng.choice([-150.0, WIDTH + 150.0])
        other = WIDTH + 150.0 if side < 0 else -150.0
        drive = abs(stop_x - side) / 120
        away = abs(other - stop_x) / 120
        y = 430.0
        path = [
            (start, side, y),
            (start + drive, stop_x, y),
            (start + drive + park, stop_x, y),
            (start + drive + park + away, other, y),
        ]
        colour = (rng.randint(20, 230), rng.randint(20, 230), rng.randint(20, 230))
        script.walkers.append(_Walker(path, "car", colour))
    return script


def _draw_person(
    image: np.ndarray, x: float, y: float, colour: tuple[int, int, int], t: float
) -> None:
    cx, cy = int(x), int(y)
    sway = int(3 * np.sin(t * 6.0))
    cv2.ellipse(image, (cx + sway, cy - 45), (15, 38), 0, 0, 360, colour, -1)
    cv2.circle(image, (cx + sway, cy - 92), 10, (150, 170, 200), -1)
    cv2.line(image, (cx - 6, cy - 10), (cx - 8 + sway, cy + 25), colour, 6)
    cv2.line(image, (cx + 6, cy - 10), (cx + 8 - sway, cy + 25), colour, 6)


def _draw_car(image: np.ndarray, x: float, y: float, colour: tuple[int, int, int]) -> None:
    cx, cy = int(x), int(y)
    cv2.rectangle(image, (cx - 95, cy - 45), (cx + 95, cy + 20), colour, -1)
    cv2.rectangle(image, (cx - 55, cy - 80), (cx + 50, cy - 45), colour, -1)
    cv2.rectangle(image, (cx - 48, cy - 74), (cx + 42, cy - 48), (60, 60, 70), -1)
    cv2.circle(image, (cx - 60, cy + 22), 16, (20, 20, 20), -1)
    cv2.circle(image, (cx + 60, cy + 22), 16, (20, 20, 20), -1)


def _draw_item(image: np.ndarray, item: _Item) -> None:
    if item.round_shape:
        centre = (item.x + item.w // 2, item.y + item.h // 2)
        cv2.ellipse(image, centre, (item.w // 2, item.h // 2), 0, 0, 360, item.colour, -1)
    else:
        corner = (item.x + item.w, item.y + item.h)
        cv2.rectangle(image, (item.x, item.y), corner, item.colour, -1)


def _hard_background(rng: np.random.Generator) -> np.ndarray:
    """Paving stones: darkish, with joints, stains and grain."""
    base = float(rng.integers(70, 125))
    coarse = rng.normal(0, 8, (HEIGHT // 8, WIDTH // 8)).astype(np.float32)
    grey = base + cv2.resize(coarse, (WIDTH, HEIGHT), interpolation=cv2.INTER_CUBIC)
    grey += rng.normal(0, 5, (HEIGHT, WIDTH)).astype(np.float32)
    step = int(rng.integers(44, 64))
    offset = int(rng.integers(0, step))
    for y in range(150 + offset % step, HEIGHT, step):
        grey[y : y + 2, :] -= 9
    for row, y in enumerate(range(150, HEIGHT, step)):
        shift = (row % 2) * step // 2 + offset
        for x in range(shift % (2 * step), WIDTH, 2 * step):
            grey[y : y + step, x : x + 2] -= 9
    for _ in range(int(rng.integers(3, 8))):
        stain = np.zeros((HEIGHT, WIDTH), np.float32)
        centre = (int(rng.integers(0, WIDTH)), int(rng.integers(160, HEIGHT)))
        axes = (int(rng.integers(10, 45)), int(rng.integers(6, 25)))
        cv2.ellipse(stain, centre, axes, float(rng.uniform(0, 180)), 0, 360, 1.0, -1)
        grey -= cv2.GaussianBlur(stain, (0, 0), 4) * float(rng.uniform(4, 14))
    grey = np.clip(grey, 0, 255)
    image = np.dstack([grey * 0.97, grey, grey * 1.02]).clip(0, 255).astype(np.uint8)
    cv2.rectangle(image, (0, 0), (WIDTH, 150), (70, 75, 85), -1)  # house front
    for wx in range(40, WIDTH, 150):
        cv2.rectangle(image, (wx, 30), (wx + 60, 110), (40, 45, 60), -1)  # windows
    cv2.line(image, (0, 390), (WIDTH, 390), (150, 150, 150), 3)  # kerb
    return image


def _hard_item(
    rng: random.Random, background: np.ndarray, start: float, end: float, spot: tuple[float, float]
) -> _Item:
    """A bag or box 5-20 grey levels from the ground under it, with folds and an odd outline."""
    w, h = rng.randint(30, 76), rng.randint(24, 56)
    x, y = int(spot[0] - w / 2), int(spot[1] + 30 - h)
    ground = float(background[y : y + h, x : x + w].mean())
    delta = rng.uniform(5.0, 20.0) * (-1.0 if rng.random() < 0.7 else 1.0)
    folds_rng = np.random.default_rng(rng.randrange(2**31))
    folds = cv2.resize(
        folds_rng.normal(0, 3.0, (max(2, h // 8), max(2, w // 8))).astype(np.float32),
        (w, h),
        interpolation=cv2.INTER_CUBIC,
    )
    shade = np.linspace(2.0, -3.0, h, dtype=np.float32)[:, None]  # lit from above
    grey = ground + delta + folds + shade
    tint = [rng.uniform(-3, 3) for _ in range(3)]
    patch = np.dstack([grey + t for t in tint]).clip(0, 255).astype(np.float32)
    mask = np.zeros((h, w), np.uint8)
    angles = np.linspace(0, 2 * np.pi, 9)[:-1]
    radii = [rng.uniform(0.75, 1.0) for _ in angles]
    points = np.array(
        [
            [w / 2 + r * (w / 2 - 1) * np.cos(a), h / 2 + r * (h / 2 - 1) * np.sin(a)]
            for r, a in zip(radii, angles, strict=True)
        ],
        np.int32,
    )
    cv2.fillPoly(mask, [points], 1)
    colour = (int(ground + delta),) * 3
    return _Item(start, end, x, y, w, h, colour, False, patch=patch, mask=mask > 0)


def _left_at(path: list[tuple[float, float, float]], item: _Item) -> float:
    """When the walker who put the item down was clear of it (40 px beyond its edge)."""
    leave, centre = path[2][0], path[2][1]
    end, x_end = path[3][0], path[3][1]
    speed = abs(x_end - centre) / max(end - leave, 1e-6)
    return leave + (item.w / 2 + 40.0) / max(speed, 1e-6)


def _hard_bin(
    rng: random.Random, background: np.ndarray, script: _Script, colour: tuple[int, int, int]
) -> None:
    """Someone walks to the wheelie bin, lifts the lid, drops a bag in, nudges the bin, goes."""
    bx, by, _bw, bh = BIN_BOX
    spot = (float(bx - 25), float(by + bh - 5))
    path = _person_path(rng, rng.uniform(1.0, 6.0), spot, stay=rng.uniform(3.0, 6.0))
    arrive, leave = path[1][0], path[2][0]
    script.bin_lid = (arrive + 0.5, leave - 0.3)
    script.bin_shift = rng.randint(0, 3)
    item = _hard_item(rng, background, arrive + 1.0, arrive + 1.0, (spot[0], spot[1] - 40))
    item.carrier = len(script.walkers)
    item.binned = True
    script.items.append(item)
    script.walkers.append(_Walker(path, "person", colour))


def _hard_script(spec: SceneSpec, background: np.ndarray) -> _Script:
    rng = random.Random(spec.seed)
    script = _Script()

    def clothes() -> tuple[int, int, int]:
        return (rng.randint(15, 170), rng.randint(15, 170), rng.randint(15, 170))

    if spec.kind in {"drop", "drop_loiter", "drop_car", "pickup"}:
        start = rng.uniform(1.0, 7.0)
        spot = (rng.uniform(110, 480), rng.uniform(230, 340))
        path = _person_path(rng, start, spot, stay=rng.uniform(1.5, 4.0))
        arrive = path[1][0]
        carrier = len(script.walkers)
        script.walkers.append(_Walker(path, "person", clothes()))
        if spec.kind == "pickup":
            back = arrive + rng.uniform(6.0, 11.0)
            path2 = _person_path(rng, back - 3.0, spot, stay=1.5)
            item = _hard_item(rng, background, arrive + 0.5, path2[1][0] + 0.7, spot)
            script.walkers.append(_Walker(path2, "person", clothes()))
        else:
            item = _hard_item(rng, background, arrive + 0.5, spec.duration_s + 1, spot)
            script.truth.append(
                TruthEvent(item.start, (item.x, item.y, item.w, item.h), _left_at(path, item))
            )
        item.carrier = carrier
        script.items.append(item)
    if spec.kind in {"linger", "drop_loiter"}:
        # Someone stands about, longer than any dwell time, swaying a little, then goes.
        spot = (rng.uniform(90, 560), rng.uniform(220, 350))
        if spec.kind == "drop_loiter" and script.items:
            spot = (WIDTH - script.items[0].x if script.items[0].x > 320 else 560.0, spot[1])
        path = _person_path(rng, rng.uniform(0.5, 4.0), spot, stay=rng.uniform(20.0, 32.0))
        script.walkers.append(_Walker(path, "person", clothes()))
    if spec.kind in {"park", "drop_car"}:
        start = rng.uniform(0.0, 6.0)
        stop_x = rng.uniform(150, 490)
        side = rng.choice([-150.0, WIDTH + 150.0])
        drive = abs(stop_x - side) / 110
        y = 430.0
        if spec.kind == "park":
            path = [(start, side, y), (start + drive, stop_x, y), (spec.duration_s + 1, stop_x, y)]
            script.parked.append(len(script.walkers))
            driver = _person_path(rng, start + drive + 2.0, (stop_x, 395.0), stay=0.5)
            script.walkers.append(_Walker(path, "car", clothes()))
            script.walkers.append(_Walker(driver[1:], "person", clothes()))
        else:
            park = rng.uniform(3.0, 8.0)
            other = WIDTH + 150.0 if side < 0 else -150.0
            away = abs(other - stop_x) / 110
            path = [
                (start, side, y),
                (start + drive, stop_x, y),
                (start + drive + park, stop_x, y),
                (start + drive + park + away, other, y),
            ]
            script.walkers.append(_Walker(path, "car", clothes()))
    if spec.kind == "bin":
        _hard_bin(rng, background, script, clothes())
    return script


def _draw_patch(image: np.ndarray, item: _Item, x: int, y: int) -> None:
    assert item.patch is not None
    assert item.mask is not None
    x0, y0 = max(0, x), max(0, y)
    x1, y1 = min(WIDTH, x + item.w), min(HEIGHT, y + item.h)
    if x1 <= x0 or y1 <= y0:
        return
    mask = item.mask[y0 - y : y1 - y, x0 - x : x1 - x]
    patch = item.patch[y0 - y : y1 - y, x0 - x : x1 - x]
    region = image[y0:y1, x0:x1]
    region[mask] = patch[mask].astype(np.uint8)


def _darken(image: np.ndarray, centre: tuple[int, int], axes: tuple[int, int], f: float) -> None:
    x, y = centre
    ax, ay = axes
    x0, y0, x1, y1 = max(0, x - ax), max(0, y - ay), min(WIDTH, x + ax), min(HEIGHT, y + ay)
    if x1 <= x0 or y1 <= y0:
        return
    mask = np.zeros((y1 - y0, x1 - x0), np.uint8)
    cv2.ellipse(mask, (x - x0, y - y0), axes, 0, 0, 360, 1, -1)
    region = image[y0:y1, x0:x1]
    region[mask > 0] = (region[mask > 0] * f).astype(np.uint8)


def _draw_bin(image: np.ndarray, shift: int, lid_open: bool) -> None:
    bx, by, bw, bh = BIN_BOX
    bx += shift
    cv2.rectangle(image, (bx, by), (bx + bw, by + bh), (45, 75, 45), -1)
    cv2.circle(image, (bx + 8, by + bh), 7, (20, 20, 20), -1)
    if lid_open:
        cv2.rectangle(image, (bx, by - 40), (bx + bw, by - 2), (40, 68, 40), -1)
    else:
        cv2.rectangle(image, (bx - 2, by - 6), (bx + bw + 2, by + 2), (40, 68, 40), -1)


class _Weather:
    """Per-frame look of a hard condition: light, shadows, sensor and codec."""

    def __init__(self, spec: SceneSpec, rng: np.random.Generator) -> None:
        self.spec = spec
        self.noise = [rng.normal(0, 1.0, (HEIGHT, WIDTH, 1)).astype(np.float32) for _ in range(6)]
        self.rain = random.Random(spec.seed + 1)
        self.clouds: list[tuple[np.ndarray, float, float, float, float]] = []
        if spec.condition == "shadows":
            for _ in range(2):
                blob: np.ndarray = np.zeros((HEIGHT, WIDTH), np.float32)
                axes = (int(rng.integers(110, 200)), int(rng.integers(70, 130)))
                cv2.ellipse(blob, (WIDTH // 2, HEIGHT // 2), axes, 0, 0, 360, 1.0, -1)
                blob = cv2.GaussianBlur(blob, (0, 0), float(rng.uniform(8, 20)))
                speed = float(rng.uniform(5, 14)) * float(rng.choice([-1, 1]))
                start_x = float(rng.uniform(-420, 420))
                start_y = float(rng.uniform(-100, 180))
                self.clouds.append((blob, float(rng.uniform(0.5, 0.75)), speed, start_x, start_y))
        yy, xx = np.mgrid[0:HEIGHT, 0:WIDTH].astype(np.float32)
        self.hot_spot = (
            0.55 + 0.65 * np.exp(-(((xx - 320) / 300) ** 2 + ((yy - 320) / 220) ** 2))
        ).astype(np.float32)[..., None]
        # A camera's grain is new in every frame. Six fields, cycled, serve 8 frames/s; a scene
        # rendered faster gets more (drawn apart, so the scene stays the same), in a number that
        # analysing every second or third frame does not cycle through within a second.
        if spec.fps > 8.0:
            more = np.random.default_rng(spec.seed + 2)
            count = 6 * math.ceil(spec.fps / 8.0) + 1
            self.noise += [
                more.normal(0, 1.0, (HEIGHT, WIDTH, 1)).astype(np.float32)
                for _ in range(count - len(self.noise))
            ]

    def apply(self, image: np.ndarray, t: float, index: int) -> np.ndarray:
        spec = self.spec
        work = image.astype(np.float32)
        noise = self.noise[index % len(self.noise)]
        sigma = 2.0
        for blob, depth, speed, x0, y0 in self.clouds:
            shift = np.array([[1, 0, x0 + speed * t], [0, 1, y0]], np.float32)
            moved = cv2.warpAffine(blob, shift, (WIDTH, HEIGHT))
            work *= (1.0 - (1.0 - depth) * moved)[..., None]
        if spec.condition == "dusk":
            fade = min(1.0, t / max(spec.duration_s * 0.8, 1.0))
            work *= 1.0 - 0.65 * fade
            sigma = 2.0 + 4.0 * fade
        elif spec.condition == "night":
            grey = cv2.cvtColor(np.clip(work, 0, 255).astype(np.uint8), cv2.COLOR_BGR2GRAY)
            work = cv2.GaussianBlur(grey.astype(np.float32), (3, 3), 0)[..., None] * 0.6
            work = np.repeat(work * self.hot_spot, 3, axis=2)
            sigma = 7.0
        elif spec.condition == "rain":
            overlay = np.zeros((HEIGHT, WIDTH), np.uint8)
            for _ in range(260):
                x0, y0 = self.rain.randrange(WIDTH), self.rain.randrange(HEIGHT)
                length = self.rain.randint(8, 18)
                cv2.line(overlay, (x0, y0), (x0 + 2, y0 + length), 1, 1)
            work *= 0.9
            work[overlay > 0] = 0.55 * work[overlay > 0] + 0.45 * 210.0
            sigma = 3.0
        elif spec.condition == "compressed":
            sigma = 3.0
        work += noise * sigma
        out = np.clip(work, 0, 255).astype(np.uint8)
        if spec.condition == "compressed":
            ok, buffer = cv2.imencode(".jpg", out, [cv2.IMWRITE_JPEG_QUALITY, 22])
            assert ok
            decoded = cv2.imdecode(buffer, cv2.IMREAD_COLOR)
            assert decoded is not None
            out = np.asarray(decoded, np.uint8)
        return out


def _draw_walkers(image: np.ndarray, script: _Script, t: float) -> None:
    """People (with what they carry) and cars, shadows first."""
    positions = []
    for number, walker in enumerate(script.walkers):
        position = walker.position(t)
        if position is None and number in script.parked and t >= walker.path[-1][0]:
            position = walker.path[-1][1:]
        if position is None:
            continue
        positions.append((number, walker, position))
        cx, cy = int(position[0]), int(position[1])
        if walker.kind == "car":
            _darken(image, (cx + 12, cy + 34), (110, 14), 0.55)
        else:
            _darken(image, (cx + 24, cy + 24), (34, 7), 0.6)
    for number, walker, (x, y) in positions:
        if walker.kind == "car":
            _draw_car(image, x, y, walker.colour)
            continue
        _draw_person(image, x, y, walker.colour, t)
        for item in script.items:
            if item.carrier == number and t < item.start:
                _draw_patch(image, item, int(x) + 12, int(y) - 30 - item.h // 2)


def _render_hard(spec: SceneSpec) -> Iterator[tuple[float, np.ndarray]]:
    np_rng = np.random.default_rng(spec.seed)
    background = _hard_background(np_rng)
    script = _hard_script(spec, background)
    weather = _Weather(spec, np_rng)
    frames = int(spec.duration_s * spec.fps)
    for index in range(frames):
        t = index / spec.fps
        image = background.copy()
        if spec.kind == "bin":
            lid = script.bin_lid
            used = lid is not None and t >= lid[1]
            _draw_bin(
                image, script.bin_shift if used else 0, lid is not None and lid[0] <= t < lid[1]
            )
        for item in script.items:
            if item.start <= t < item.end and not item.binned:
                _draw_patch(image, item, item.x, item.y)
        _draw_walkers(image, script, t)
        yield t, weather.apply(image, t, index)


def render(spec: SceneSpec) -> Iterator[tuple[float, np.ndarray]]:
    """The scene's frames as (seconds since start, BGR image)."""
    if spec.condition != "classic":
        yield from _render_hard(spec)
        return
    np_rng = np.random.default_rng(spec.seed)
    background = _background(np_rng)
    script = _script(spec)
    noise_bank = [
        np_rng.normal(0, spec.noise_sigma, (HEIGHT, WIDTH, 1)).astype(np.float32) for _ in range(6)
    ]
    rain_rng = random.Random(spec.seed + 1)
    frames = int(spec.duration_s * spec.fps)
    for index in range(frames):
        t = index / spec.fps
        image = background.copy()
        for item in script.items:
            if item.start <= t < item.end:
                _draw_item(image, item)
        for walker in script.walkers:
            position = walker.position(t)
            if position is None:
                continue
            if walker.kind == "car":
                _draw_car(image, *position, walker.colour)
            else:
                _draw_person(image, *position, walker.colour, t)
        if spec.rain:
            for _ in range(120):
                x0, y0 = rain_rng.randrange(WIDTH), rain_rng.randrange(HEIGHT)
                cv2.line(image, (x0, y0), (x0 + 2, y0 + 14), (200, 200, 210), 1)
        gain = 1.0 + (spec.light_ramp - 1.0) * min(1.0, t / max(spec.duration_s * 0.8, 1.0))
        if gain != 1.0 or spec.noise_sigma > 0:
            work = image.astype(np.float32) * gain
            if spec.noise_sigma > 0:
                work += noise_bank[index % len(noise_bank)]
            image = np.clip(work, 0, 255).astype(np.uint8)
        yield t, image


def make_scene(
    name: str,
    kind: str,
    *,
    seed: int,
    duration_s: float = 45.0,
    fps: float = 8.0,
    light_ramp: float = 1.0,
    noise_sigma: float = 0.0,
    rain: bool = False,
    condition: str = "classic",
) -> SceneSpec:
    """One scene with its ground truth filled in."""
    if kind not in KINDS:
        raise ValueError(f"unknown scene kind {kind!r}; choose from {KINDS}")
    if condition != "classic" and condition not in CONDITIONS:
        raise ValueError(f"unknown condition {condition!r}; choose from {CONDITIONS}")
    spec = SceneSpec(
        name, kind, seed, duration_s, fps, light_ramp, noise_sigma, rain, (), condition
    )
    if condition == "classic":
        truth = _script(spec).truth
    else:
        truth = _hard_script(spec, _hard_background(np.random.default_rng(seed))).truth
    return SceneSpec(**{**asdict(spec), "truth": tuple(truth)})


def make_specs(
    count: int, *, seed: int, duration_s: float = 45.0, fps: float = 8.0
) -> list[SceneSpec]:
    """A balanced, seeded list of scenes; about half contain a dumping."""
    rng = random.Random(seed)
    specs = []
    for index in range(count):
        kind = CLASSIC_KINDS[index % len(CLASSIC_KINDS)]
        specs.append(
            make_scene(
                f"scene-{index:03d}-{kind}",
                kind,
                seed=rng.randrange(2**31),
                duration_s=duration_s,
                fps=fps,
                light_ramp=rng.choice([1.0, 1.0, 0.6, 1.35]),
                noise_sigma=rng.choice([0.0, 3.0, 6.0]),
                rain=rng.random() < 0.3,
            )
        )
    return specs


def make_hard_specs(
    repeats: int, *, seed: int, duration_s: float = 45.0, fps: float = 8.0
) -> list[SceneSpec]:
    """Every hard condition times every hard scene kind, ``repeats`` times, seeded."""
    rng = random.Random(seed)
    return [
        make_scene(
            f"{condition}-{kind}-{round_}",
            kind,
            seed=rng.randrange(2**31),
            duration_s=duration_s,
            fps=fps,
            condition=condition,
        )
        for round_ in range(repeats)
        for condition in CONDITIONS
        for kind in HARD_KINDS
    ]


def write_set(folder: Path, specs: list[SceneSpec]) -> Path:
    """Write each scene as an MJPEG video and the ground truth as ``truth.json``."""
    folder.mkdir(parents=True, exist_ok=True)
    for spec in specs:
        writer = cv2.VideoWriter(
            str(folder / f"{spec.name}.avi"),
            cv2.VideoWriter.fourcc(*"MJPG"),
            spec.fps,
            (WIDTH, HEIGHT),
        )
        try:
            for _, image in render(spec):
                writer.write(image)
        finally:
            writer.release()
    truth = folder / "truth.json"
    truth.write_text(json.dumps([asdict(s) for s in specs], indent=1), "utf-8")
    return truth


def read_set(folder: Path) -> list[SceneSpec]:
    """The scenes of a written set."""
    data = json.loads((folder / "truth.json").read_text("utf-8"))
    return [
        SceneSpec(
            **{
                **item,
                "truth": tuple(
                    TruthEvent(e["at_s"], tuple(e["bbox"]), e.get("left_s")) for e in item["truth"]
                ),
            }
        )
        for item in data
    ]
