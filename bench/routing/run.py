"""Route-planning benchmarks: CVRPLIB and Kim et al. instances, a city-sized day, the forecast.

    .venv/bin/python bench/routing/run.py [--budget 30] [--kim-budget 60] [--kim-large-budget 300]
        [--only cvrp,kim,city,forecast,reload] [--instances A-n32-k5,804_stop] [--plain]
        [--kim-trips 0.9] [--kim-decompose 0] [--reload-trips 0.9]

Every solution is checked by ``routing.check`` (independent of the solver) before its gap counts.
CVRPLIB and reload instances are also solved with PyVRP at the same budget, side by side.
"""

from __future__ import annotations

import argparse
import math
import random
import statistics
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent))
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from instances import (
    SHARED,
    Cvrp,
    Reload,
    cvrp_problem,
    read_cvrplib,
    read_kim,
    read_reload,
    reload_problem,
)

from routing.check import check
from routing.model import (
    Break,
    Facility,
    Problem,
    Stop,
    Vehicle,
    Window,
)
from routing.solver import SolverParams, Strategy, solve

CVRP = ["A-n32-k5", "A-n80-k10", "P-n101-k4", "X-n101-k25", "X-n157-k13", "M-n200-k17"]
KIM = {  # instance: (published vehicles, best published miles)
    "102_stop": (3, 174.5),
    "277_stop": (3, 447.6),
    "335_stop": (6, 182.1),
    "444_stop": (11, 78.3),
    "804_stop": (5, 586.2),
    "1051_stop": (17, 2250.5),
    "1351_stop": (8, 828.1),
}


def pyvrp_cvrp(inst: Cvrp, budget: float) -> int | None:
    """PyVRP's cost on the instance at the same budget, or None if PyVRP is missing."""
    try:
        from pyvrp import Model
        from pyvrp.stop import MaxRuntime
    except ImportError:
        return None
    model = Model()
    locs = [model.add_location(x=x, y=y) for x, y in inst.coords]
    depot = model.add_depot(locs[0])
    model.add_vehicle_type(
        num_available=len(inst.demand), capacity=inst.capacity, start_depot=depot, end_depot=depot
    )
    for i in range(1, len(locs)):
        model.add_client(locs[i], delivery=inst.demand[i])
    for a, pa in zip(locs, inst.coords, strict=True):
        for b, pb in zip(locs, inst.coords, strict=True):
            model.add_edge(a, b, distance=round(math.dist(pa, pb)))
    result = model.solve(stop=MaxRuntime(budget), seed=1, display=False)
    return int(result.cost()) if result.is_feasible() else None


def pyvrp_reload(inst: Reload, budget: float) -> int | None:
    """PyVRP on a reload instance (it models reloads and release times natively)."""
    try:
        from pyvrp import Model
        from pyvrp.stop import MaxRuntime
    except ImportError:
        return None
    model = Model()
    locs = [model.add_location(x=x, y=y) for x, y in inst.coords]
    depot = model.add_depot(locs[0], tw_early=inst.windows[0][0], tw_late=inst.windows[0][1])
    model.add_vehicle_type(
        num_available=inst.vehicles,
        capacity=inst.capacity,
        start_depot=depot,
        end_depot=depot,
        tw_early=inst.windows[0][0],
        tw_late=inst.windows[0][1],
        reload_depots=[depot],
    )
    for i in range(1, len(locs)):
        model.add_client(
            locs[i],
            delivery=inst.demand[i],
            service_duration=inst.service,
            tw_early=inst.windows[i][0],
            tw_late=inst.windows[i][1],
            release_time=inst.release[i] if inst.release else 0,
        )
    matrix = inst.matrix()
    for i, a in enumerate(locs):
        for j, b in enumerate(locs):
            model.add_edge(a, b, distance=matrix[i][j], duration=matrix[i][j])
    result = model.solve(stop=MaxRuntime(budget), seed=1, display=False)
    return int(result.cost()) if result.is_feasible() else None


def bench_reload(budget: float, *, trips: float = 0.9, names: set[str] | None = None) -> None:
    """Multi-trip instances with reloads and release times: nettestad beside PyVRP.

    A reload is an unload at a facility placed on the depot; release times are the stops'
    ``release_s``, checked by ``routing.check`` (``early`` counts trips that leave too soon).
    """
    folder = SHARED / "mtvrptwr"
    if not folder.is_dir():
        print(f"SKIP mtvrptwr: {folder} not found (../shared is absent)")
        return
    print(f"\n== Multi-trip with reloads (MTVRPTWR), {budget:.0f} s per instance ==")
    print(
        f"{'instance':<14} {'BKS':>7} {'nettestad':>10} {'gap':>7} {'early':>5} {'served':>7} "
        f"{'pyvrp':>8} {'gap':>7}  check"
    )
    gaps, pgaps = [], []
    for path in sorted(folder.glob("*.vrp")):
        if names and path.stem not in names:
            continue
        inst = read_reload(path)
        problem = reload_problem(inst)
        sol = solve(
            problem,
            SolverParams(
                time_limit_s=budget,
                strategy=Strategy.GLS,
                first_solution="PARALLEL_CHEAPEST_INSERTION",
                # OR-Tools for the first part, then ruin-and-recreate over trips (routing/trips.py).
                lns_share=trips,
            ),
        )
        report = check(problem, sol, require_all=True)
        gap = 100 * (report.distance - inst.bks) / inst.bks
        if report.ok:
            gaps.append(gap)
        pv = pyvrp_reload(inst, budget)
        pgap = 100 * (pv - inst.bks) / inst.bks if pv else float("nan")
        if pv:
            pgaps.append(pgap)
        served = f"{report.served}/{len(problem.stops)}"
        print(
            f"{inst.name:<14} {inst.bks:>7} {report.distance:>10} {gap:>6.2f}% "
            f"{report.early_trips:>5} {served:>7} {pv or '-':>8} {pgap:>6.2f}%  "
            f"{'ok' if report.ok else report.violations[:2]}",
            flush=True,
        )
    if gaps:
        print(
            f"{'mean (feasible)':<14} {'':>7} {'':>10} {statistics.mean(gaps):>6.2f}% {'':>5} "
            f"{'':>7} {'':>8} {statistics.mean(pgaps) if pgaps else float('nan'):>6.2f}%"
        )


def bench_cvrp(budget: float, *, plain: bool = False, names: set[str] | None = None) -> None:
    """Gap to BKS per CVRPLIB instance, nettestad beside PyVRP."""
    folder = SHARED / "cvrplib"
    if not folder.is_dir():
        print(f"SKIP cvrplib: {folder} not found (../shared is absent)")
        return
    print(f"\n== CVRPLIB, {budget:.0f} s per instance ==")
    print(
        f"{'instance':<12} {'BKS':>7} {'nettestad':>10} {'gap':>7} {'pyvrp':>8} {'gap':>7}  check"
    )
    gaps, pgaps = [], []
    for name in CVRP:
        if names and name not in names:
            continue
        inst = read_cvrplib(folder / f"{name}.vrp")
        problem = cvrp_problem(inst, vehicles=inst.min_vehicles + 3)
        sol = solve(
            problem,
            SolverParams(
                time_limit_s=budget,
                strategy=Strategy.GLS,
                first_solution="SAVINGS",
                mandatory_as_penalty=False,
                # OR-Tools for the first tenth, then ruin-and-recreate (routing/lns.py).
                lns_share=0.0 if plain else 0.9,
            ),
        )
        report = check(problem, sol, require_all=True)
        gap = 100 * (report.distance - inst.bks) / inst.bks
        if report.ok:
            gaps.append(gap)
        pv = pyvrp_cvrp(inst, budget)
        pgap = 100 * (pv - inst.bks) / inst.bks if pv else float("nan")
        if pv:
            pgaps.append(pgap)
        print(
            f"{name:<12} {inst.bks:>7} {report.distance:>10} {gap:>6.2f}% {pv or '-':>8} "
            f"{pgap:>6.2f}%  {'ok' if report.ok else report.violations[:2]}",
            flush=True,
        )
    if gaps:
        print(
            f"{'mean':<12} {'':>7} {'':>10} {statistics.mean(gaps):>6.2f}% {'':>8} "
            f"{statistics.mean(pgaps) if pgaps else float('nan'):>6.2f}%"
        )


def bench_kim(
    budget: float,
    large_budget: float,
    *,
    decompose: float = 0.0,
    trips: float = 0.9,
    names: set[str] | None = None,
) -> None:
    """Kim et al. instances: feasibility, vehicles and miles against the best published."""
    folder = SHARED / "wcvrptw"
    if not folder.is_dir():
        print(f"SKIP wcvrptw: {folder} not found (../shared is absent)")
        return
    print(f"\n== Kim et al. WCVRPTW, {budget:.0f} s up to 450 stops, {large_budget:.0f} s above ==")
    print(f"{'instance':<10} {'veh':>4} {'pub':>4} {'miles':>8} {'best':>8} {'gap':>7}  check")
    gaps = []
    for name, (vehicles, best) in KIM.items():
        if names and name not in names:
            continue
        kim = read_kim(folder / f"{name}.txt", vehicles=vehicles)
        n = len(kim.problem.stops)
        limit = budget if n <= 450 else large_budget
        sol = solve(
            kim.problem,
            SolverParams(
                time_limit_s=limit,
                strategy=Strategy.GLS,
                first_solution="PARALLEL_CHEAPEST_INSERTION",
                decompose_share=decompose,
                # OR-Tools for the first part, then ruin-and-recreate over trips (routing/trips.py).
                lns_share=trips,
            ),
        )
        report = check(kim.problem, sol, require_all=True)
        miles = report.distance / kim.feet_per_mile
        gap = 100 * (miles - best) / best
        if report.ok:
            gaps.append(gap)
        print(
            f"{name:<10} {report.vehicles_used:>4} {vehicles:>4} {miles:>8.1f} {best:>8.1f} "
            f"{gap:>6.2f}%  {'ok' if report.ok else report.violations[:2]}",
            flush=True,
        )
    if gaps:
        print(f"{'mean (feasible)':<24} {statistics.mean(gaps):>20.2f}%")


def city_problem(seed: int = 11) -> Problem:
    """600 bins over Kortrijk, 6 vehicles, 2 disposal sites, time windows and breaks."""
    from routing.matrix import GreatCircleProvider
    from twin.city import generate_bins

    rng = random.Random(seed)
    sites = generate_bins(600, seed=seed)
    points = [(50.8190, 3.2880), (50.8500, 3.3100), (50.8050, 3.2500)] + [
        (s.lat, s.lon) for s in sites
    ]
    dist, dur = GreatCircleProvider().matrices(points)
    stops = []
    for k, s in enumerate(sites):
        litres = round(s.volume_l * rng.uniform(0.5, 1.0))
        window = Window(0, 48 * 3600)
        if s.place_type == "market":
            window = Window(6 * 3600, 9 * 3600)  # before the market stalls go up
        elif s.place_type == "school":
            window = Window(9 * 3600, 15 * 3600)  # not during the morning drop-off
        service = 420 if s.container_type in {"underground", "glass"} else 75
        must = rng.random() < 0.6
        stops.append(
            Stop(
                id=s.bin_id,
                location=3 + k,
                demand=(litres, round(litres * 0.15)),
                service_s=service,
                window=window,
                penalty=None if must else rng.randint(5, 40) * 1_000_000,
            )
        )
    brk = (Break(10 * 3600, 12 * 3600, 1800),)
    vehicles = tuple(
        Vehicle(
            id=f"veh-{i + 1}",
            capacity=(30000, 8000) if i < 2 else (12000, 2500),
            start_location=0,
            end_location=0,
            shift=Window(6 * 3600, 15 * 3600),
            fixed_cost=40_000_000,
            distance_cost=1200,
            time_cost=15_278,
            breaks=brk,
        )
        for i in range(6)
    )
    facilities = (Facility("imog", 1, 900), Facility("recyclagepark", 2, 720))
    return Problem(dist, dur, tuple(stops), vehicles, facilities, name="city-600")


def bench_city(limit: float) -> None:
    """Time to the first feasible plan and improvement until the limit on a city-sized day."""
    problem = city_problem()
    print(f"\n== City day: 600 stops, 6 vehicles, 2 disposal sites, {limit:.0f} s ==")
    sol = solve(
        problem,
        SolverParams(
            time_limit_s=limit,
            strategy=Strategy.GLS,
            first_solution="PATH_CHEAPEST_ARC",
            decompose_share=0.6,
        ),
    )
    report = check(problem, sol)
    first = sol.history[0] if sol.history else (float("nan"), 0)
    at10 = [c for t, c in sol.history if t <= 10]
    print(f"first solution after {first[0]:.2f} s, objective {first[1] / 1e6:.2f} EUR")
    if at10:
        print(f"best at 10 s: {at10[-1] / 1e6:.2f} EUR")
    print(
        f"best at {limit:.0f} s: {sol.objective / 1e6:.2f} EUR after {len(sol.history)} improvements"
    )
    print(
        f"served {report.served}/{len(problem.stops)}, unplanned {len(sol.unplanned)}, "
        f"vehicles {report.vehicles_used}, {report.distance / 1000:.1f} km, "
        f"check {'ok' if report.ok else report.violations[:3]}"
    )


def bench_forecast(bins: int = 200, weeks: int = 6) -> None:
    """Time-to-threshold error of the weekday-hour model against last week's mean rate."""
    from routing.fillsim import history, hours_to, make_bin
    from routing.forecast import fit, naive_last_week, predict

    print(f"\n== Forecast: {bins} simulated bins, {weeks} weeks of history ==")
    rng = random.Random(5)
    start = datetime(2026, 1, 5, tzinfo=UTC)
    ours, naive = [], []
    t0 = time.monotonic()
    for _ in range(bins):
        sim = make_bin(random.Random(rng.random()))
        until = start + timedelta(weeks=weeks, hours=rng.randint(0, 167))
        readings = history(sim, start=start, until=until)
        truth = hours_to(sim, at=until, threshold=0.8)
        level = next((v for _, v in reversed(readings) if v is not None), None)
        if truth is None or level is None or level >= 0.8:
            continue
        model = fit(readings)
        pred = predict(model, level=level, at=until, threshold=0.8).hours()
        rate = naive_last_week(readings, at=until)
        base = (0.8 - level) / rate if rate > 0 else 24 * 14.0
        ours.append(abs((pred if pred is not None else 24 * 14.0) - truth))
        naive.append(abs(base - truth))
    mae, mae_naive = statistics.mean(ours), statistics.mean(naive)
    print(
        f"cases {len(ours)}; MAE time-to-threshold: model {mae:.1f} h, naive {mae_naive:.1f} h; "
        f"margin {mae_naive - mae:.1f} h ({100 * (mae_naive - mae) / mae_naive:.0f}% lower) "
        f"[{time.monotonic() - t0:.1f} s]"
    )


def main() -> None:
    """Run the selected benchmarks."""
    parser = argparse.ArgumentParser()
    parser.add_argument("--budget", type=float, default=30.0)
    parser.add_argument("--kim-budget", type=float, default=60.0)
    parser.add_argument("--kim-large-budget", type=float, default=300.0)
    parser.add_argument("--city-limit", type=float, default=60.0)
    parser.add_argument(
        "--plain", action="store_true", help="CVRPLIB with guided local search only (the baseline)"
    )
    parser.add_argument("--only", default="forecast,city,cvrp,reload,kim")
    parser.add_argument(
        "--instances",
        default="",
        help="comma-separated CVRPLIB/Kim/reload instance names (default: all)",
    )
    parser.add_argument(
        "--kim-decompose",
        type=float,
        default=0.0,
        help="share of the OR-Tools part of the Kim budget spent re-solving groups of routes "
        "(routing/decompose.py)",
    )
    parser.add_argument(
        "--kim-trips",
        type=float,
        default=0.9,
        help="share of the Kim budget spent on ruin-and-recreate over trips (routing/trips.py)",
    )
    parser.add_argument(
        "--reload-trips",
        type=float,
        default=0.9,
        help="share of the reload budget spent on ruin-and-recreate over trips (routing/trips.py)",
    )
    args = parser.parse_args()
    parts = args.only.split(",")
    names = set(filter(None, args.instances.split(","))) or None
    if "forecast" in parts:
        bench_forecast()
    if "city" in parts:
        bench_city(args.city_limit)
    if "cvrp" in parts:
        bench_cvrp(args.budget, plain=args.plain, names=names)
    if "reload" in parts:
        bench_reload(args.budget, trips=args.reload_trips, names=names)
    if "kim" in parts:
        bench_kim(
            args.kim_budget,
            args.kim_large_budget,
            decompose=args.kim_decompose,
            trips=args.kim_trips,
            names=names,
        )


if __name__ == "__main__":
    main()
