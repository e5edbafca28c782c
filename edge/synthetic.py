"""Synthetic hotspot videos with ground truth, for evaluating the detector.

A scene is a fixed street corner (textured pavement, a wall, a kerb) in which scripted actors
move: people who drop a bag and leave it, people who put something down and pick it up again,
people loitering, cars that stop briefly. Any scene may add a light ramp, sensor noise or rain.
Everything is drawn from one seed, so a set is reproducible bit for bit.
"""

from __future__ import annotations

import json
import random
from collections.abc import Iterator
from dataclasses import asdict, dataclass, field
from pathlib import Path

import cv2
import numpy as np

WIDTH, HEIGHT = 640, 480
KINDS = ("drop", "pickup", "loiter", "car", "drop_loiter", "drop_car")


@dataclass(frozen=True, slots=True)
class TruthEvent:
    """An object that was left behind: when it landed and where."""

    at_s: float
    bbox: tuple[int, int, int, int]


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


@dataclass(slots=True)
class _Script:
    walkers: list[_Walker] = field(default_factory=list)
    items: list[_Item] = field(default_factory=list)
    truth: list[TruthEvent] = field(default_factory=list)


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


def render(spec: SceneSpec) -> Iterator[tuple[float, np.ndarray]]:
    """The scene's frames as (seconds since start, BGR image)."""
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
) -> SceneSpec:
    """One scene with its ground truth filled in."""
    if kind not in KINDS:
        raise ValueError(f"unknown scene kind {kind!r}; choose from {KINDS}")
    spec = SceneSpec(name, kind, seed, duration_s, fps, light_ramp, noise_sigma, rain)
    return SceneSpec(**{**asdict(spec), "truth": tuple(_script(spec).truth)})


def make_specs(
    count: int, *, seed: int, duration_s: float = 45.0, fps: float = 8.0
) -> list[SceneSpec]:
    """A balanced, seeded list of scenes; about half contain a dumping."""
    rng = random.Random(seed)
    specs = []
    for index in range(count):
        kind = KINDS[index % len(KINDS)]
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
                "truth": tuple(TruthEvent(e["at_s"], tuple(e["bbox"])) for e in item["truth"]),
            }
        )
        for item in data
    ]
