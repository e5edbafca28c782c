"""Ruin-and-recreate over trips: which days it takes, and that its plans keep every rule."""

from __future__ import annotations

import random
import time
from dataclasses import replace

import pytest

from routing import pipeline, trip_day, trips
from routing.anneal import AnnealParams
from routing.check import check
from routing.costs import objective
from routing.model import Break, Solution, VisitKind
from routing.solver import SolverParams, solve
from tests.routing.instances import lunch_and_windows, scattered_bins, trips_and_lunch, two_trips

# Bounded by the count of improving solutions, not by the clock: the same start under any load.
START = SolverParams(time_limit_s=120.0, solution_limit=20, seed=3)


def _orders(solution: Solution) -> list[list[str]]:
    return [[v.ref for v in r.visits] for r in solution.routes]


def test_days_with_disposal_sites_qualify() -> None:
    """Days with sites qualify, whatever their windows and breaks; pure capacity days do not."""
    assert trips.applies(two_trips())
    assert trips.applies(lunch_and_windows())
    assert trips.applies(trips_and_lunch())
    assert not trips.applies(scattered_bins())


def test_plan_keeps_capacity_unloads_windows_and_lunch() -> None:
    """The improved plan serves every bin within capacity, unloads before the depot, keeps windows
    and takes the lunch between 11:00 and 12:00, as the independent check recomputes it."""
    problem = trips_and_lunch()
    start = solve(problem, START)
    improved = trips.improve(
        problem, start, deadline=time.monotonic() + 3600, params=AnnealParams(iterations=400)
    )
    report = check(problem, improved, require_all=True)
    assert report.ok, report.violations
    assert improved.objective < start.objective
    assert improved.distance == report.distance
    for route in improved.routes:
        if route.visits:
            assert route.visits[-1].kind is VisitKind.UNLOAD
            assert all(v.load_after[0] <= 200 for v in route.visits)
            assert [b.start // 3600 for b in route.breaks] == [11]


def test_same_seed_and_iterations_same_plan() -> None:
    """With an iteration count the phase gives the same routes on every run."""
    problem = trips_and_lunch()
    start = solve(problem, START)
    params = AnnealParams(seed=5, iterations=200)
    first = trips.improve(problem, start, deadline=time.monotonic() + 3600, params=params)
    second = trips.improve(problem, start, deadline=time.monotonic() + 3600, params=params)
    assert first.objective == second.objective
    assert _orders(first) == _orders(second)


def test_never_worse_than_its_start() -> None:
    """With no iteration or with a few the phase returns nothing more costly than its start."""
    problem = trips_and_lunch()
    start = solve(problem, START)
    before = objective(problem, start)
    # Bounded by the iteration count alone: the deadline lies beyond any run, so the machine's
    # load cannot change what the phase does.
    far = time.monotonic() + 3600
    none = trips.improve(problem, start, deadline=far, params=AnnealParams(iterations=0))
    assert objective(problem, none) <= before
    some = trips.improve(problem, start, deadline=far, params=AnnealParams(iterations=20))
    assert objective(problem, some) <= before
    assert some.objective == objective(problem, some)


def test_bounded_by_its_deadline() -> None:
    """Without an iteration count the phase stops at its deadline."""
    problem = trips_and_lunch()
    start = solve(problem, START)
    began = time.monotonic()
    trips.improve(problem, start, deadline=began + 0.5)
    assert time.monotonic() - began < 1.5


def test_pipeline_runs_the_phase_after_ortools() -> None:
    """The pipeline improves OR-Tools' plan of a day with unloads by the trip phase, checked."""
    problem = trips_and_lunch()
    solution = pipeline.plan(
        problem,
        pipeline.PlanConfig(
            time_limit_s=120.0, seed=3, solution_limit=20, iterations=300, construct_from=10**6
        ),
    )
    assert check(problem, solution, require_all=True).ok
    assert solution.history[-1][1] == solution.objective


def test_builds_its_own_first_plan() -> None:
    """Without a start the phase plans the day by insertion and improves it, every rule kept."""
    problem = trips_and_lunch()
    seen: list[int] = []
    solution = trips.construct_and_improve(
        problem,
        deadline=time.monotonic() + 3600,
        params=AnnealParams(iterations=300),
        on_improve=seen.append,
    )
    report = check(problem, solution, require_all=True)
    assert report.ok, report.violations
    assert solution.objective == seen[-1] <= seen[0]


def test_optional_stops_and_two_load_dimensions() -> None:
    """On a day with volume and weight, two truck sizes and optional bins, the phase keeps both
    capacities, leaves out a bin not worth its penalty, and explains it."""
    base = trips_and_lunch(n=40)
    stops = tuple(
        replace(
            s,
            demand=(s.demand[0], s.demand[0] // 2),
            penalty=1 if s.id == "b5" else (10**6 if i % 3 == 0 else None),
        )
        for i, s in enumerate(base.stops)
    )
    vehicles = (
        replace(base.vehicles[0], capacity=(200, 60)),
        replace(base.vehicles[1], capacity=(150, 100)),
    )
    problem = replace(base, stops=stops, vehicles=vehicles)
    start = solve(problem, START)
    improved = trips.improve(
        problem, start, deadline=time.monotonic() + 3600, params=AnnealParams(iterations=300)
    )
    report = check(problem, improved)
    assert report.ok, report.violations
    assert "b5" in {u.stop_id for u in improved.unplanned}
    assert all(u.reason for u in improved.unplanned)
    for route, vehicle in zip(improved.routes, vehicles, strict=True):
        for visit in route.visits:
            assert all(q <= c for q, c in zip(visit.load_after, vehicle.capacity, strict=True))


def test_days_it_cannot_simulate_are_left_alone() -> None:
    """Two breaks a shift, a load on board or a stop tied to one truck keep the day with OR-Tools."""
    base = trips_and_lunch(n=10)
    truck = base.vehicles[0]
    two_breaks = replace(truck, breaks=(*truck.breaks, Break(14 * 3600, 15 * 3600, 900)))
    loaded = replace(truck, initial_load=(50,))
    tied = replace(base.stops[0], allowed_vehicles=(truck.id,))
    assert not trips.applies(replace(base, vehicles=(two_breaks, base.vehicles[1])))
    assert not trips.applies(replace(base, vehicles=(loaded, base.vehicles[1])))
    assert not trips.applies(replace(base, stops=(tied, *base.stops[1:])))


def test_days_with_trips_start_from_the_phase_own_plan() -> None:
    """By default a day with disposal trips starts from the phase's own first plan, all served."""
    problem = trips_and_lunch()
    solution = pipeline.plan(
        problem,
        pipeline.PlanConfig(time_limit_s=120.0, seed=3, iterations=200),
    )
    assert check(problem, solution, require_all=True).ok
    assert solution.first_solution_s is not None


def test_simulation_skips_only_variants_that_drive_the_same() -> None:
    """On random short routes with random windows, lunch and a site opening late, the simulation
    gives the schedule (or the failure) that trying all four placements of the break and the
    unloads in turn gives."""
    day = trip_day.day_of(trips_and_lunch())
    rng = random.Random(7)
    vehicle = day.vehicles[0]
    for c in range(1, day.n):
        if rng.random() < 0.5:
            day.opens[c] = rng.randint(vehicle.start, vehicle.end - 3600)
            day.closes[c] = day.opens[c] + rng.randint(1800, 4 * 3600)
    for site in range(day.n, len(day.opens)):
        day.opens[site] = vehicle.start + 3 * 3600
    stops = list(range(1, day.n))
    needed = [0] * 5  # per first variant that drives the route; the last: none does
    for _ in range(3000):
        seq = sorted(rng.sample(stops, rng.randint(1, 6)), key=lambda x: day.opens[x])
        ends = [rng.random() < 0.3 for _ in seq]
        ends[-1] = True
        got = trip_day.simulate(day, 0, seq, ends, record=True)
        want, used = None, 4
        for i, (late, patient) in enumerate(
            ((True, True), (False, True), (True, False), (False, False))
        ):
            want = trip_day._drive(day, 0, seq, ends, True, late, patient, [False, False])
            if want is not None:
                used = i
                break
        assert got == want
        needed[used] += 1
    assert needed[0]
    assert needed[4]
    assert sum(needed[1:4])  # the later variants were needed too


def test_day_matrices_hold_the_problem_arcs() -> None:
    """The day's rows of machine integers give each arc's cost, time and cheapest unload detour
    as computed from the problem's matrices, its locations in the day's order."""
    problem = trips_and_lunch()
    day = trip_day.day_of(problem)
    vehicle = problem.vehicles[0]
    locs = [vehicle.start_location, *(s.location for s in problem.stops)]
    locs += [f.location for f in problem.facilities]
    service = [0, *(s.service_s for s in problem.stops), *(f.unload_s for f in problem.facilities)]

    def arc(a: int, b: int) -> int:
        if a == b:
            return 0
        ta, tb = locs[a], locs[b]
        busy = problem.duration[ta][tb] + service[a]
        return int(problem.distance[ta][tb] * vehicle.distance_cost + busy * vehicle.time_cost)

    sites = range(day.n, len(locs))
    for a in range(len(locs)):
        for b in range(len(locs)):
            assert day.cost[a][b] == arc(a, b)
            assert day.dur[a][b] == problem.duration[locs[a]][locs[b]]
            if a < day.n and b < day.n:
                assert day.via[a][b] == min(arc(a, s) + arc(s, b) for s in sites)
                assert (
                    arc(a, day.n + day.site[a][b]) + arc(day.n + day.site[a][b], b)
                    == (day.via[a][b])
                )


def test_route_times_are_taken_when_first_looked_at() -> None:
    """A route re-split and simulated keeps its schedule until a stop looks at its times, which
    are then those of a fresh simulation of the route."""
    day = trip_day.day_of(trips_and_lunch())
    plan = trips._construct(day, random.Random(1))
    k = 0
    first = plan.stops(day, k)[0]
    assert trips._refresh(day, plan, k)
    assert plan.pending[k] is not None
    trips._on_time(day, plan, first, day.n + k)
    assert plan.pending[k] is None
    looked = (plan.arrive[:], plan.done[:], plan.latest[:])
    assert trips._retimed(day, plan, k)
    assert (plan.arrive, plan.done, plan.latest) == looked


def test_split_finds_the_cheapest_trips() -> None:
    """On random routes the split into trips costs what the cheapest split found by trying every
    trip start costs, and each of its trips fits the truck."""
    day = trip_day.day_of(trips_and_lunch())
    rng = random.Random(5)
    cap = day.vehicles[0].capacity[0]
    stops = list(range(1, day.n))

    def unloads(seq: list[int], ends: list[int]) -> int:
        return sum(day.detour[seq[j]][seq[j + 1]] for j in ends[:-1])

    for _ in range(300):
        seq = rng.sample(stops, rng.randint(1, 25))
        best = [0] + [1 << 60] * len(seq)  # cheapest unloads before position j
        for j in range(1, len(seq) + 1):
            for i in range(j):
                if sum(day.demand1[x] for x in seq[i:j]) <= cap:
                    before = best[i] + (day.detour[seq[i - 1]][seq[i]] if i else 0)
                    best[j] = min(best[j], before)
        ends = trip_day.split(day, seq, (cap,))
        assert ends is not None
        assert unloads(seq, ends) == best[-1]
        starts = [0, *(j + 1 for j in ends[:-1])]
        assert all(
            sum(day.demand1[x] for x in seq[a : b + 1]) <= cap
            for a, b in zip(starts, ends, strict=True)
        )


def test_large_day_starts_from_the_better_first_plan(monkeypatch: pytest.MonkeyPatch) -> None:
    """On a large day the plan by regions is built even when the plan by tour leaves no stop
    out, and the one leaving fewer must-visit stops out, then the cheaper, starts the search."""
    monkeypatch.setattr(trips, "_INSERTION_UP_TO", 10)  # this 60-stop day counts as large
    problem = trips_and_lunch()
    day = trip_day.day_of(problem)
    plans = [
        trips._construct_by_tour(day, random.Random(1)),
        trips._construct_by_regions(day, random.Random(1)),
    ]
    assert not trips._missing(day, plans[0])
    best = min((len(trips._missing(day, p)), p.total) for p in plans)
    built: list[int] = []
    by_regions = trips._construct_by_regions

    def counted(day: trip_day.Day, rng: random.Random) -> trips._Plan:
        built.append(day.n)
        return by_regions(day, rng)

    monkeypatch.setattr(trips, "_construct_by_regions", counted)
    got = trips.construct_and_improve(
        problem, deadline=time.monotonic() + 60, params=AnnealParams(seed=1, iterations=0)
    )
    assert built
    assert got.objective == best[1]
