"""An improvement phase on top of OR-Tools: recombine the routes seen during the search.

Guided local search visits thousands of solutions; each of their routes is feasible on its own
(it depends only on its vehicle's class). A set-partitioning model over that pool, solved with
CP-SAT, picks the cheapest combination that serves every stop once — often better than any
single solution the search kept — and the search then restarts from it with fresh penalties.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np
from ortools.sat.python import cp_model

# A route as the pool stores it: stop nodes as themselves, a facility visit as -(facility + 1),
# so routes through different copies of the same site are one route.
RouteKey = tuple[int, tuple[int, ...]]  # (vehicle class, sequence)


@dataclass(slots=True)
class RoutePool:
    """Distinct routes per vehicle class with their cost."""

    costs: dict[RouteKey, int] = field(default_factory=dict)
    limit: int = 60_000

    def add(self, key: RouteKey, cost: int) -> None:
        """Remember a route (the first cost seen is its cost: costs depend only on the sequence)."""
        if key not in self.costs and len(self.costs) < self.limit:
            self.costs[key] = cost

    def __len__(self) -> int:
        return len(self.costs)


@dataclass(frozen=True, slots=True)
class PoolProblem:
    """What the recombination must respect."""

    stop_nodes: Sequence[int]
    stop_penalty: dict[int, int | None]  # None: must be served
    class_count: dict[int, int]  # vehicles available per class
    class_fixed_cost: dict[int, int]
    facility_copies: dict[int, int]  # facility → copies available


def route_cost(sequence: Sequence[int], start: int, end: int, cost: np.ndarray) -> int:
    """Arc cost of start → sequence → end on one class's cost matrix (nodes, not signatures)."""
    nodes = [start, *sequence, end]
    return int(cost[nodes[:-1], nodes[1:]].sum())


def recombine(
    pool: RoutePool,
    problem: PoolProblem,
    *,
    incumbent: Sequence[RouteKey],
    time_limit_s: float,
    seed: int,
) -> list[RouteKey] | None:
    """The cheapest set of pooled routes covering each stop at most once; None if none found."""
    model = cp_model.CpModel()
    keys = list(pool.costs)
    x = [model.NewBoolVar(f"r{k}") for k in range(len(keys))]
    covering: dict[int, list[int]] = {n: [] for n in problem.stop_nodes}
    per_class: dict[int, list[int]] = {}
    per_facility: dict[int, list[tuple[int, int]]] = {}
    for k, (cls, seq) in enumerate(keys):
        per_class.setdefault(cls, []).append(k)
        visits: dict[int, int] = {}
        for node in seq:
            if node >= 0:
                covering.setdefault(node, []).append(k)
            else:
                visits[-node - 1] = visits.get(-node - 1, 0) + 1
        for facility, times in visits.items():
            per_facility.setdefault(facility, []).append((k, times))
    objective = []
    for node, routes in covering.items():
        served = sum(x[k] for k in routes)
        penalty = problem.stop_penalty.get(node)
        if penalty is None:
            model.Add(served == 1)
        else:
            model.Add(served <= 1)
            missed = model.NewBoolVar(f"miss{node}")
            model.Add(served + missed == 1)
            objective.append(penalty * missed)
    for cls, routes in per_class.items():
        model.Add(sum(x[k] for k in routes) <= problem.class_count.get(cls, 0))
    for facility, uses in per_facility.items():
        model.Add(sum(t * x[k] for k, t in uses) <= problem.facility_copies.get(facility, 0))
    for k, (cls, _) in enumerate(keys):
        objective.append((pool.costs[keys[k]] + problem.class_fixed_cost.get(cls, 0)) * x[k])
    model.Minimize(sum(objective))
    chosen = set(incumbent)
    for k, key in enumerate(keys):
        model.AddHint(x[k], key in chosen)
    solver = cp_model.CpSolver()
    solver.parameters.max_time_in_seconds = time_limit_s
    solver.parameters.num_workers = 1  # the machine's cores are shared; one worker is reproducible
    solver.parameters.random_seed = seed
    status = solver.Solve(model)
    if status not in (cp_model.OPTIMAL, cp_model.FEASIBLE):
        return None
    return [key for k, key in enumerate(keys) if solver.Value(x[k])]
