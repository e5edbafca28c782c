"""The simulated-annealing schedule of the ruin-and-recreate phase (:mod:`routing.trips`)."""

from __future__ import annotations

import math
import random
import time
from dataclasses import dataclass, field


@dataclass(frozen=True, slots=True)
class AnnealParams:
    """Search settings of a ruin-and-recreate phase; validated at construction."""

    seed: int = 1
    iterations: int | None = None  # None: until the deadline (the same plan on any machine if set)
    start_temperature: float = 1.0  # share of the mean arc cost of the starting plan
    end_temperature: float = 0.01

    def __post_init__(self) -> None:
        if self.iterations is not None and self.iterations < 0:
            raise ValueError("iterations must be at least 0")
        if not 0 < self.end_temperature <= self.start_temperature:
            raise ValueError("temperatures must satisfy 0 < end <= start")


@dataclass(slots=True)
class Cooling:
    """Temperatures cooled geometrically from ``first`` to ``last`` over a budget.

    The budget is an iteration count when ``iterations`` is set (the same result on any machine),
    else the time until ``deadline``.
    """

    first: float
    last: float
    iterations: int | None
    deadline: float
    done: int = 0
    progress: float = 0.0  # the share of the budget spent, as of the last temperature
    started: float = field(default_factory=time.monotonic)

    def __post_init__(self) -> None:
        self.first = max(self.first, 1e-9)
        self.last = max(self.last, 1e-9)

    def next(self) -> float | None:
        """The temperature of the next iteration, or None when the budget is spent."""
        if self.iterations is not None:
            if self.done >= self.iterations:
                return None
            progress = self.done / self.iterations
        else:
            now = time.monotonic()
            if now >= self.deadline:
                return None
            progress = (now - self.started) / max(self.deadline - self.started, 1e-9)
        self.done += 1
        self.progress = progress
        ratio: float = (self.last / self.first) ** progress
        return self.first * ratio


def accepts(trial: int, current: int, temperature: float, rng: random.Random) -> bool:
    """Whether a trial plan replaces the current one: always if cheaper, sometimes if not."""
    return trial < current - temperature * math.log(1.0 - rng.random())
