"""The planning pipeline: one way from a day's problem to a checked plan, for every caller.

The scheduler (through ``nettestad plan``), the API, re-planning, the city twin and the
benchmarks all call :func:`plan`. Its steps:

1. **Bad input** is refused with a :class:`~routing.errors.PlanningError` (Dutch and English).
2. **A first plan**: on days with disposal trips the trip phase's own (a nearest-neighbour tour
   cut into vehicle days, then insertion); on other days OR-Tools (guided local search) for a
   share of the budget, or for all of it when no phase applies. A first plan that serves nothing
   while stops wait is never accepted: the pipeline then builds one itself.
3. **One improvement phase** behind :class:`Phase`, chosen by what the day is: PyVRP's hybrid
   genetic search with reload depots (:mod:`routing.reload`) on days that reload on the depot
   and take no break; ruin-and-recreate over trips (:mod:`routing.trips`) on other days with
   disposal trips, windows and breaks; PyVRP (:mod:`routing.capacity`) on days with capacities
   only; other days (a re-plan with loads on board, several depots) keep OR-Tools for the whole
   budget.
4. **The check** (:mod:`routing.check`): a plan that breaks a rule is never returned; if the
   phase's plan fails, the first plan is returned when it passes, else
   :class:`~routing.errors.PlanCheckError` names the rule and the stop.

The default configuration is the best measured within the default budget (see
``bench/RESULTS.md``); :func:`default_budget` scales the budget with the day's size.
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Protocol

from routing import capacity, check, explain, reload, trips
from routing.anneal import AnnealParams
from routing.costs import served_count
from routing.errors import PlanCheckError, PlanningError
from routing.model import Problem, Route, Solution
from routing.solver import SolverParams, Strategy, solve

log = logging.getLogger(__name__)

DEFAULT_BUDGET_S = 10.0
LARGE_DAY = 1000  # stops; above, the budget grows with the day


def default_budget(stops: int) -> float:
    """Seconds a day of ``stops`` stops gets: 10 s up to 1,000 stops, then 5 s per 100 more."""
    return DEFAULT_BUDGET_S + max(0, stops - LARGE_DAY) * 0.05


@dataclass(frozen=True, slots=True)
class PlanConfig:
    """How a day is planned; validated at construction. The defaults are the product's."""

    time_limit_s: float | None = None  # None: default_budget(stops)
    seed: int = 1
    first_share: float = 0.1  # of the budget, for OR-Tools' first plan before the phase
    iterations: int | None = None  # improvement iterations: the same plan on any machine
    solution_limit: int | None = None  # OR-Tools' improving solutions: likewise reproducible
    max_time_s: float | None = None  # a cap on the scaled budget
    # Stops from which a day with disposal trips starts from the trip phase's own first plan
    # rather than OR-Tools': measured better on the city day at every budget, and OR-Tools'
    # first solution takes minutes on large days (> 150 s at 1,600 stops).
    construct_from: int = 0
    # a must-visit stop no vehicle can reach in its window refuses the day (a morning plan: the
    # data is wrong); a re-plan leaves it out with its reason instead (its time has passed)
    refuse_unreachable: bool = True

    def __post_init__(self) -> None:
        for limit in (self.time_limit_s, self.max_time_s):
            if limit is not None and not limit > 0:
                raise ValueError("time limits must be above 0")
        if not 0 < self.first_share <= 1:
            raise ValueError("first_share must lie in (0, 1]")
        if self.iterations is not None and self.iterations < 0:
            raise ValueError("iterations must be at least 0")
        if self.solution_limit is not None and self.solution_limit < 1:
            raise ValueError("solution_limit must be at least 1")

    def budget(self, problem: Problem) -> float:
        """The seconds this run may take."""
        if self.time_limit_s is not None:
            return self.time_limit_s
        scaled = default_budget(len(problem.stops))
        return scaled if self.max_time_s is None else min(scaled, self.max_time_s)


@dataclass(frozen=True, slots=True)
class Stopping:
    """When a phase stops: at ``deadline`` (monotonic seconds), or after ``iterations``.

    ``on_improve`` hears every new best objective (the plan's history).
    """

    deadline: float
    iterations: int | None = None
    on_improve: Callable[[int], None] | None = None


class Phase(Protocol):
    """An improvement phase: the plan it returns is never worse than the one it is given."""

    name: str

    def applies(self, problem: Problem) -> bool:
        """Whether the phase can plan this day."""
        ...

    def construct(self, problem: Problem, stop: Stopping, seed: int) -> Solution | None:
        """A plan from nothing (None: the phase needs a start)."""
        ...

    def improve(self, problem: Problem, start: Solution, stop: Stopping, seed: int) -> Solution:
        """A plan at least as good as ``start``."""
        ...


class TripPhase:
    """Ruin and recreate over trips (:mod:`routing.trips`)."""

    name = "trips"

    def applies(self, problem: Problem) -> bool:
        """Disposal trips from one depot (see :func:`routing.trips.applies`)."""
        return trips.applies(problem)

    def construct(self, problem: Problem, stop: Stopping, seed: int) -> Solution | None:
        """The phase's own insertion, improved until ``stop``."""
        params = AnnealParams(seed=seed, iterations=stop.iterations)
        return trips.construct_and_improve(
            problem, deadline=stop.deadline, params=params, on_improve=stop.on_improve
        )

    def improve(self, problem: Problem, start: Solution, stop: Stopping, seed: int) -> Solution:
        """Improve ``start`` until ``stop``."""
        params = AnnealParams(seed=seed, iterations=stop.iterations)
        return trips.improve(
            problem, start, deadline=stop.deadline, params=params, on_improve=stop.on_improve
        )


class CapacityPhase:
    """PyVRP's hybrid genetic search on days with capacities only (:mod:`routing.capacity`)."""

    name = "pyvrp"

    def applies(self, problem: Problem) -> bool:
        """Capacities only (see :func:`routing.capacity.applies`)."""
        return capacity.applies(problem)

    def construct(self, problem: Problem, stop: Stopping, seed: int) -> Solution | None:
        """PyVRP from nothing until ``stop``."""
        found = capacity.solve(
            problem, deadline=stop.deadline, iterations=stop.iterations, seed=seed
        )
        if found is not None and stop.on_improve is not None:
            stop.on_improve(found.objective)
        return found

    def improve(self, problem: Problem, start: Solution, stop: Stopping, seed: int) -> Solution:
        """PyVRP's own search; its plan replaces ``start`` only when cheaper."""
        found = self.construct(problem, stop, seed)
        if found is None or found.objective >= start.objective:
            return start
        return found


class ReloadPhase(CapacityPhase):
    """PyVRP's hybrid genetic search on days with reloads at the depot and no break
    (:mod:`routing.reload`)."""

    name = "pyvrp-reload"

    def applies(self, problem: Problem) -> bool:
        """Reloads on the depot, no break (see :func:`routing.reload.applies`)."""
        return reload.applies(problem)

    def construct(self, problem: Problem, stop: Stopping, seed: int) -> Solution | None:
        """PyVRP from nothing until ``stop``."""
        found = reload.solve(problem, deadline=stop.deadline, iterations=stop.iterations, seed=seed)
        if found is not None and stop.on_improve is not None:
            stop.on_improve(found.objective)
        return found


# The first that applies plans the day: a reload day would also suit the trip phase, but PyVRP
# measured better there (bench/RESULTS.md).
PHASES: tuple[Phase, ...] = (ReloadPhase(), TripPhase(), CapacityPhase())


def phase_for(problem: Problem) -> Phase | None:
    """The improvement phase for this day, if any applies."""
    return next((p for p in PHASES if p.applies(problem)), None)


def validate(problem: Problem, *, refuse_unreachable: bool = True) -> None:
    """Refuse a day that cannot be planned as given, naming what is wrong (Dutch and English)."""
    if not problem.vehicles:
        raise PlanningError(
            "no_vehicles",
            "geen voertuigen beschikbaar: voeg actieve voertuigen toe voor je plant",
            "no active vehicles: add vehicles before planning",
        )
    first = min(v.shift.start for v in problem.vehicles)
    last = max(v.shift.end for v in problem.vehicles)
    for i, stop in enumerate(problem.stops):
        if refuse_unreachable and stop.penalty is None and not explain.reachable(problem, i):
            opens, closes = _clock(stop.window.start), _clock(stop.window.end)
            raise PlanningError(
                "impossible_window",
                f"verplichte stop {stop.id}: geen voertuig haalt het tijdvenster {opens}-{closes} "
                "binnen zijn shift; pas het venster of de shiften aan",
                f"must-visit stop {stop.id}: no vehicle reaches its window {opens}-{closes} "
                "within its shift",
            )
    for f in problem.facilities:
        if f.window.end <= f.window.start or f.window.end < first or f.window.start > last:
            raise PlanningError(
                "site_closed",
                f"stortplaats {f.id} is de hele werkdag gesloten: pas de openingsuren aan",
                f"disposal site {f.id} is closed all working day: correct its opening hours",
            )


def _clock(seconds: int) -> str:
    return f"{seconds // 3600:02d}:{seconds % 3600 // 60:02d}"


def plan(problem: Problem, config: PlanConfig | None = None) -> Solution:
    """A checked plan for ``problem`` within the budget; raises on bad input or a failed check."""
    config = config or PlanConfig()
    started = time.monotonic()
    validate(problem, refuse_unreachable=config.refuse_unreachable)
    budget = config.budget(problem)
    history: list[tuple[float, int]] = []

    def on_improve(total: int) -> None:
        history.append((time.monotonic() - started, total))

    stopping = Stopping(started + budget, config.iterations, on_improve)
    phase = phase_for(problem)
    if phase is not None and (
        isinstance(phase, CapacityPhase) or len(problem.stops) >= config.construct_from
    ):
        solution = phase.construct(problem, stopping, config.seed)
    else:
        solution = _first_plan(problem, config, budget * (config.first_share if phase else 1.0))
        history += [(started_at, total) for started_at, total in solution.history]
        if phase is not None and problem.stops and served_count(solution) == 0:
            # OR-Tools' first solution did not arrive in time: build one instead.
            log.warning("no first plan from OR-Tools in its share: built by insertion")
            solution = phase.construct(problem, stopping, config.seed)
        elif phase is not None:
            improved = phase.improve(problem, solution, stopping, config.seed)
            solution = _best_checked(problem, improved, solution)
    if solution is None and isinstance(phase, ReloadPhase) and trips.applies(problem):
        # PyVRP serves every stop or finds nothing: a day that cannot hold them all gets the trip
        # phase's plan, which leaves out what does not fit, each stop with its reason.
        log.warning("no plan from PyVRP serving every stop: the trip phase plans the day")
        extra = Stopping(time.monotonic() + budget * config.first_share, config.iterations)
        solution = TripPhase().construct(problem, extra, config.seed)
    if solution is None:  # the phase found nothing feasible: OR-Tools' answer instead
        solution = _first_plan(problem, config, budget * config.first_share)
    solution.routes = _all_vehicles(problem, solution.routes)
    report = check.check(problem, solution, require_must=False)
    if not report.ok and phase is not None:
        # Never expected: the phase's plan breaks a rule. OR-Tools' plan, if it passes, instead.
        log.error("the %s phase's plan breaks %s", phase.name, report.violations[:3])
        solution = _first_plan(problem, config, budget * config.first_share)
        solution.routes = _all_vehicles(problem, solution.routes)
        report = check.check(problem, solution, require_must=False)
        history.clear()
    if not report.ok:
        raise PlanCheckError(report.violations)
    solution.distance = report.distance
    solution.history = history or [(time.monotonic() - started, solution.objective)]
    solution.first_solution_s = solution.history[0][0]
    solution.solve_s = time.monotonic() - started
    log.info(
        "planned %s: %d/%d stops, %d vehicles, %.1f s (%s)",
        problem.name,
        report.served,
        len(problem.stops),
        report.vehicles_used,
        solution.solve_s,
        phase.name if phase is not None else "or-tools",
    )
    return solution


def _first_plan(problem: Problem, config: PlanConfig, limit: float) -> Solution:
    """OR-Tools: guided local search from the cheapest arc, for ``limit`` seconds."""
    return solve(
        problem,
        SolverParams(
            time_limit_s=max(limit, 0.05),
            seed=config.seed,
            strategy=Strategy.GLS,
            solution_limit=config.solution_limit,
        ),
    )


def _best_checked(problem: Problem, improved: Solution, start: Solution) -> Solution:
    """The phase's plan if it passes the check, else the start (a phase never makes it worse)."""
    if improved is start:
        return start
    report = check.check(problem, improved, require_must=False)
    if report.ok:
        return improved
    log.error("the improvement phase broke %s; the first plan is kept", report.violations[:3])
    return start


def _all_vehicles(problem: Problem, routes: list[Route]) -> list[Route]:
    """One route per vehicle, in the problem's order (idle vehicles with no visits)."""
    by_id = {r.vehicle_id: r for r in routes}
    return [
        by_id.get(v.id) or Route(v.id, v.shift.start, v.shift.start, []) for v in problem.vehicles
    ]


def unplanned_reasons(problem: Problem, solution: Solution) -> dict[str, str]:
    """Per stop left out, its reason code (for callers that show the coordinator Dutch words)."""
    index = {s.id: i for i, s in enumerate(problem.stops)}
    return {
        u.stop_id: u.code or explain.reason_of(problem, index[u.stop_id]).value
        for u in solution.unplanned
    }
