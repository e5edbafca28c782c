"""Route-planning benchmarks: CVRPLIB, Kim et al. and generated large days, a city day, the forecast.

    .venv/bin/python bench/routing/run.py [--only forecast,city,cvrp,reload,kim,large]
        [--budget S] [--city-limit 60] [--instances A-n32-k5,804_stop]
        [--kim PATH:VEHICLES ...] [--cvrplib PATH ...] [--large 2500,3000] [--seed 1]
        [--json-out FILE] [--plain]

Every part runs the product's planning pipeline (``routing.pipeline.plan``) with the product's
defaults: the budget scaled to the day's size unless ``--budget`` is given. ``--plain`` runs
OR-Tools' guided local search alone instead (the baseline). Every solution is checked by
``routing.check`` (independent of the solver) before its gap counts. CVRPLIB and reload instances
are also solved with PyVRP at the same budget, side by side. ``--json-out FILE`` writes each
solution as JSON (``{name}`` in FILE is replaced by the instance's name; with several instances
and no ``{name}`` the name is added before the suffix).
"""

from __future__ import annotations

import argparse
import json
import random
import resource
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

# Run as a script (``python bench/routing/run.py``): the repository root holds the bench package.
sys.path.insert(0, str(Path(__file__).resolve().parents[2]))

from bench.routing.generate import kim_day
from bench.routing.instances import (
    SHARED,
    Cvrp,
    Reload,
    cvrp_problem,
    read_cvrplib,
    read_kim,
    read_reload,
    reload_problem,
)
from routing import pipeline
from routing.check import check
from routing.model import (
    Break,
    Facility,
    Problem,
    Solution,
    Stop,
    Vehicle,
    VisitKind,
    Window,
)
from routing.solver import SolverParams, Strategy, solve

CVRP = [
    "A-n32-k5",
    "A-n80-k10",
    "P-n101-k4",
    "X-n101-k25",
    "X-n157-k13",
    "M-n200-k17",
    "CMT7",
    "X-n502-k39",
    "X-n801-k40",
]
KIM = {  # instance: (published vehicles, best published miles)
    "102_stop": (3, 174.5),
    "277_stop": (3, 447.6),
    "335_stop": (6, 182.1),
    "444_stop": (11, 78.3),
    "804_stop": (5, 586.2),
    "1051_stop": (17, 2250.5),
    "1351_stop": (8, 828.1),
}


_JSON_OUT: str | None = None
_SOLVED: list[str] = []


def run_pipeline(problem: Problem, budget: float | None, *, plain: bool = False) -> Solution:
    """The product's pipeline at its defaults (``budget`` None: scaled to the day's size)."""
    if plain:
        limit = budget if budget is not None else pipeline.default_budget(len(problem.stops))
        return solve(problem, SolverParams(time_limit_s=limit, strategy=Strategy.GLS))
    return pipeline.plan(problem, pipeline.PlanConfig(time_limit_s=budget))


def solution_json(solution: Solution) -> dict[str, object]:
    """A solution in the benchmark's JSON shape (seconds from midnight, the instance's node ids)."""

    def node_id(ref: str, kind: VisitKind) -> str:
        return ref[1:] if kind is VisitKind.UNLOAD and ref.startswith("L") else ref

    return {
        "routes": [
            {
                "vehicle": r.vehicle_id,
                "breaks": [{"start": b.start, "duration": b.duration_s} for b in r.breaks],
                "visits": [
                    {
                        "kind": v.kind.value,
                        "id": node_id(v.ref, v.kind),
                        "start": v.start,
                        "end": v.end,
                    }
                    for v in r.visits
                ],
            }
            for r in solution.routes
            if r.visits
        ],
        "unplanned": [u.stop_id for u in solution.unplanned],
    }


def write_json(name: str, solution: Solution) -> None:
    """Write a solution to ``--json-out`` (see the module's docstring for the file name)."""
    if _JSON_OUT is None:
        return
    target = _JSON_OUT
    if "{name}" in target:
        target = target.replace("{name}", name)
    elif _SOLVED:
        path = Path(target)
        target = str(path.with_name(f"{path.stem}.{name}{path.suffix}"))
    _SOLVED.append(name)
    Path(target).write_text(json.dumps(solution_json(solution), indent=1))


def pyvrp_cvrp(inst: Cvrp, problem: Problem, budget: float) -> int | None:
    """PyVRP's distance on the instance at the same budget (route length limit and service
    included), or None if PyVRP is missing or finds nothing feasible."""
    try:
        from pyvrp import Model
        from pyvrp.stop import MaxRuntime
    except ImportError:
        return None
    model = Model()
    locs = [model.add_location(x=x, y=y) for x, y in inst.coords]
    depot = model.add_depot(locs[0])
    model.add_vehicle_type(
        num_available=len(problem.vehicles),
        capacity=inst.capacity,
        start_depot=depot,
        end_depot=depot,
        shift_duration=inst.max_distance if inst.max_distance is not None else 2**62,
    )
    for i in range(1, len(locs)):
        model.add_client(locs[i], delivery=inst.demand[i], service_duration=inst.service)
    for i, a in enumerate(locs):
        for j, b in enumerate(locs):
            d = int(problem.distance[i][j])
            model.add_edge(a, b, distance=d, duration=d)
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


def bench_reload(budget: float | None, *, names: set[str] | None = None) -> None:
    """Multi-trip instances with reloads and release times: nettestad beside PyVRP.

    A reload is an unload at a facility placed on the depot; release times are the stops'
    ``release_s``, checked by ``routing.check`` (``early`` counts trips that leave too soon).
    """
    folder = SHARED / "mtvrptwr"
    if not folder.is_dir():
        print(f"SKIP mtvrptwr: {folder} not found (../shared is absent)")
        return
    limit = budget if budget is not None else 30.0
    print(f"\n== Multi-trip with reloads (MTVRPTWR), {limit:.0f} s per instance ==")
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
        sol = run_pipeline(problem, limit)
        write_json(inst.name, sol)
        report = check(problem, sol, require_all=True)
        gap = 100 * (report.distance - inst.bks) / inst.bks
        if report.ok:
            gaps.append(gap)
        pv = pyvrp_reload(inst, limit)
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


def bench_cvrp(
    budget: float | None,
    *,
    plain: bool = False,
    names: set[str] | None = None,
    files: list[Path] | None = None,
) -> None:
    """Gap to BKS per CVRPLIB instance, nettestad beside PyVRP at the same budget."""
    folder = SHARED / "cvrplib"
    paths = list(files or [])
    if not paths:
        if not folder.is_dir():
            print(f"SKIP cvrplib: {folder} not found (../shared is absent)")
            return
        paths = [folder / f"{n}.vrp" for n in CVRP if not names or n in names]
    limit = budget if budget is not None else 30.0
    print(f"\n== CVRPLIB, {limit:.0f} s per instance{' (GLS only)' if plain else ''} ==")
    print(
        f"{'instance':<12} {'veh':>4} {'BKS':>9} {'nettestad':>10} {'gap':>7} {'pyvrp':>10} "
        f"{'gap':>7}  check"
    )
    gaps, pgaps = [], []
    for path in paths:
        inst = read_cvrplib(path)
        problem = cvrp_problem(inst, vehicles=inst.vehicles)
        sol = run_pipeline(problem, limit, plain=plain)
        write_json(inst.name, sol)
        report = check(problem, sol, require_all=True)
        bks = inst.bks * inst.scale
        gap = 100 * (report.distance - bks) / bks if bks else float("nan")
        pv = pyvrp_cvrp(inst, problem, limit)
        pgap = 100 * (pv - bks) / bks if pv and bks else float("nan")
        if report.ok and pv:
            gaps.append(gap)
            pgaps.append(pgap)
        print(
            f"{inst.name:<12} {report.vehicles_used:>4} {inst.bks:>9g} "
            f"{report.distance / inst.scale:>10g} {gap:>6.2f}% "
            f"{(pv / inst.scale) if pv else '-':>10} {pgap:>6.2f}%  "
            f"{'ok' if report.ok else report.violations[:2]}",
            flush=True,
        )
    if gaps:
        print(
            f"{'mean':<12} {'':>4} {'':>9} {'':>10} {statistics.mean(gaps):>6.2f}% {'':>10} "
            f"{statistics.mean(pgaps):>6.2f}%"
        )


def _kim_row(
    name: str, problem: Problem, vehicles: int, best: float | None, budget: float | None
) -> float | None:
    """Plan one Kim-format day, check it with every stop required, print a row; the gap."""
    started = time.monotonic()
    sol = run_pipeline(problem, budget)
    took = time.monotonic() - started
    write_json(name, sol)
    report = check(problem, sol, require_all=True)
    miles = report.distance / 5280
    gap = 100 * (miles - best) / best if best else None
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(
        f"{name:<14} {len(problem.stops):>6} {report.vehicles_used:>4} {vehicles:>4} "
        f"{report.served:>6} {miles:>8.1f} {best or float('nan'):>8.1f} "
        f"{gap if gap is not None else float('nan'):>7.2f}% {took:>6.1f} "
        f"{sol.first_solution_s or float('nan'):>6.1f} {peak:>7.0f}  "
        f"{'ok' if report.ok else report.violations[:2]}",
        flush=True,
    )
    return gap if report.ok else None


def _kim_header(title: str) -> None:
    print(f"\n== {title} ==")
    print(
        f"{'instance':<14} {'stops':>6} {'veh':>4} {'pub':>4} {'served':>6} {'miles':>8} "
        f"{'best':>8} {'gap':>8} {'time':>6} {'first':>6} {'peakMB':>7}  check"
    )


def bench_kim(
    budget: float | None,
    *,
    names: set[str] | None = None,
    files: list[tuple[Path, int]] | None = None,
) -> None:
    """Kim-format days: feasibility at the published fleet, miles against the best published."""
    folder = SHARED / "wcvrptw"
    jobs: list[tuple[Path, int, float | None]] = [(p, v, None) for p, v in files or []]
    if not jobs:
        if not folder.is_dir():
            print(f"SKIP wcvrptw: {folder} not found (../shared is absent)")
            return
        jobs = [
            (folder / f"{name}.txt", vehicles, best)
            for name, (vehicles, best) in KIM.items()
            if not names or name in names
        ]
    _kim_header(
        f"Kim et al. WCVRPTW, {'product budget' if budget is None else f'{budget:.0f} s'}"
        ", published fleet"
    )
    gaps = []
    for path, vehicles, best in jobs:
        kim = read_kim(path, vehicles=vehicles)
        gap = _kim_row(kim.name, kim.problem, vehicles, best, budget)
        if gap is not None:
            gaps.append(gap)
    if gaps:
        print(f"{'mean (feasible, with a published best)':<40} {statistics.mean(gaps):>6.2f}%")


def bench_large(sizes: list[int], budget: float | None, seed: int = 1) -> None:
    """Generated Kim-format days of thousands of stops (windows, two landfills, a lunch)."""
    _kim_header(
        f"Generated large days (seed {seed}), "
        f"{'product budget' if budget is None else f'{budget:.0f} s'}, their published fleet"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for stops in sizes:
            day = kim_day(stops, seed=seed)
            path = Path(tmp) / f"{day.name}.txt"
            path.write_text(day.text)
            kim = read_kim(path, vehicles=day.vehicles)
            _kim_row(day.name, kim.problem, day.vehicles, None, budget)


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


def bench_city(limit: float | None) -> None:
    """The product pipeline on a city-sized day: time to the first checked plan, the result."""
    problem = city_problem()
    budget = limit if limit is not None else pipeline.default_budget(len(problem.stops))
    print(f"\n== City day: 600 stops, 6 vehicles, 2 disposal sites, {budget:.0f} s ==")
    sol = run_pipeline(problem, limit)
    report = check(problem, sol)
    first = sol.history[0] if sol.history else (float("nan"), 0)
    print(f"first plan after {first[0]:.2f} s, objective {first[1] / 1e6:.2f} EUR")
    print(
        f"best at {budget:.0f} s: {sol.objective / 1e6:.2f} EUR after {len(sol.history)} "
        "improvements"
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
    fit_s, fitted, points = 0.0, 0, 0
    for _ in range(bins):
        sim = make_bin(random.Random(rng.random()))
        until = start + timedelta(weeks=weeks, hours=rng.randint(0, 167))
        readings = history(sim, start=start, until=until)
        truth = hours_to(sim, at=until, threshold=0.8)
        level = next((v for _, v in reversed(readings) if v is not None), None)
        if truth is None or level is None or level >= 0.8:
            continue
        started = time.process_time()
        model = fit(readings)
        fit_s += time.process_time() - started
        fitted, points = fitted + 1, points + len(readings)
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
    print(
        f"fit: {1000 * fit_s / max(fitted, 1):.2f} ms processor time per bin "
        f"({points / max(fitted, 1):.0f} readings each)"
    )


def _kim_arg(text: str) -> tuple[Path, int]:
    path, _, vehicles = text.rpartition(":")
    if not path or not vehicles.isdigit():
        raise argparse.ArgumentTypeError("give --kim PATH:VEHICLES")
    return Path(path), int(vehicles)


def main() -> None:
    """Run the selected benchmarks."""
    global _JSON_OUT  # noqa: PLW0603 - one output setting for the whole run
    parser = argparse.ArgumentParser()
    parser.add_argument(
        "--budget", type=float, default=None, help="seconds per instance (default: the product's)"
    )
    parser.add_argument("--city-limit", type=float, default=None)
    parser.add_argument("--plain", action="store_true", help="OR-Tools guided local search only")
    parser.add_argument("--only", default="forecast,city,cvrp,reload,kim,large")
    parser.add_argument("--instances", default="", help="comma-separated instance names")
    parser.add_argument(
        "--kim", type=_kim_arg, action="append", default=[], help="PATH:VEHICLES (repeatable)"
    )
    parser.add_argument("--cvrplib", type=Path, action="append", default=[], help="a .vrp file")
    parser.add_argument("--large", default="2500,3000", help="generated day sizes (stops)")
    parser.add_argument("--seed", type=int, default=1, help="the generated days' seed")
    parser.add_argument("--json-out", default=None, help="write each solution as JSON here")
    args = parser.parse_args()
    _JSON_OUT = args.json_out
    parts = args.only.split(",")
    if args.kim and "kim" not in parts:
        parts.append("kim")
    if args.cvrplib and "cvrp" not in parts:
        parts.append("cvrp")
    names = set(filter(None, args.instances.split(","))) or None
    if "forecast" in parts:
        bench_forecast()
    if "city" in parts:
        bench_city(args.city_limit)
    if "cvrp" in parts:
        bench_cvrp(args.budget, plain=args.plain, names=names, files=args.cvrplib)
    if "reload" in parts:
        bench_reload(args.budget, names=names)
    if "kim" in parts:
        bench_kim(args.budget, names=names, files=args.kim)
    if "large" in parts:
        bench_large([int(n) for n in args.large.split(",") if n], args.budget, args.seed)


if __name__ == "__main__":
    main()
