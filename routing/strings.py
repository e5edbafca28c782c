"""Shared steps of both ruin-and-recreate phases: strings of neighbouring stops taken out, and
the order they go back in.

Each phase keeps its routes as linked lists through sentinel nodes (one per vehicle, numbered from
``n``); how a stop is taken out (costs, trips) is the phase's own, passed in as ``take``.
"""

from __future__ import annotations

import random
from collections.abc import Callable, Iterable, Sequence
from typing import Protocol


class LinkedRoutes(Protocol):
    """Routes as cycles through sentinel nodes: predecessor, successor, route of each node."""

    pred: list[int]
    succ: list[int]
    route: list[int]
    size: list[int]


def remove_strings(
    plan: LinkedRoutes,
    *,
    around: Iterable[int],
    n: int,
    routes: int,
    longest: float,
    rng: random.Random,
    take: Callable[[int], object],
) -> tuple[list[int], set[int]]:
    """Take one string out of each of up to ``routes`` routes met along ``around``.

    A string has a random length up to ``longest`` (and its route's size) and holds the stop met,
    at a random place in it. Returns the stops taken out, in order, and the routes touched.
    """
    removed: list[int] = []
    touched: set[int] = set()
    for c in around:
        if len(touched) >= routes:
            break
        k = plan.route[c]
        if c == 0 or k < 0 or k in touched:
            continue
        length = int(rng.uniform(1, min(plan.size[k], longest) + 1))
        first = c
        for _ in range(rng.randrange(length)):
            if plan.pred[first] >= n:
                break
            first = plan.pred[first]
        node = first
        for _ in range(length):
            if node >= n:
                break
            after = plan.succ[node]
            take(node)
            removed.append(node)
            node = after
        touched.add(k)
    return removed, touched


def insertion_order(
    removed: list[int],
    *,
    demand: Sequence[Sequence[int]],
    from_depot: Sequence[int],
    rng: random.Random,
) -> list[int]:
    """Random, largest demand first, farthest first or nearest first (weights 4, 4, 2, 1)."""
    pick = rng.choices(range(4), weights=(4, 4, 2, 1))[0]
    items = list(removed)
    rng.shuffle(items)
    if pick == 1:
        items.sort(key=lambda c: -sum(demand[c]))
    elif pick == 2:
        items.sort(key=lambda c: -from_depot[c])
    elif pick == 3:
        items.sort(key=lambda c: from_depot[c])
    return items
