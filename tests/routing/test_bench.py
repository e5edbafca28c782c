"""The benchmark harness reads any CVRPLIB file as the format means it and writes the JSON shape."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

from routing import pipeline
from routing.check import check

BENCH = Path(__file__).resolve().parents[2] / "bench" / "routing"

LIMITED = """NAME : T-n6
TYPE : CVRP
DIMENSION : 6
EDGE_WEIGHT_TYPE : EUC_2D
CAPACITY : 10
DISTANCE : 50.0
SERVICE_TIME : 5.0
NODE_COORD_SECTION
1 0 0
2 10 0
3 -10 0
4 0 10
5 0 -10
6 10 10
DEMAND_SECTION
1 0
2 4
3 4
4 4
5 4
6 4
DEPOT_SECTION
1
-1
EOF
"""


def _module(name: str) -> ModuleType:
    if str(BENCH) not in sys.path:
        sys.path.insert(0, str(BENCH))
    spec = importlib.util.spec_from_file_location(name, BENCH / f"{name}.py")
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    spec.loader.exec_module(module)
    return module


def test_cvrplib_reader_honours_distance_service_time_and_fleet(tmp_path: Path) -> None:
    """DISTANCE limits each route with SERVICE_TIME counted; without -k the fleet follows demand."""
    instances = _module("instances")
    path = tmp_path / "T-n6.vrp"
    path.write_text(LIMITED)
    inst = instances.read_cvrplib(path)
    assert (inst.max_distance, inst.service, inst.min_vehicles) == (50, 5, 2)
    problem = instances.cvrp_problem(inst, vehicles=inst.vehicles)
    solution = pipeline.plan(problem, pipeline.PlanConfig(time_limit_s=30.0, iterations=200))
    report = check(problem, solution, require_all=True)
    assert report.ok, report.violations
    for route in solution.routes:
        if route.visits:
            assert route.end - route.start <= 50


def test_json_out_has_the_benchmark_shape() -> None:
    """Each route lists its vehicle, breaks and visits with kind, node id, start and end."""
    run = _module("run")
    instances = _module("instances")
    inst = instances.Cvrp("T", [(0, 0), (3, 4), (6, 8)], [0, 1, 1], 5, 1, 0.0)
    problem = instances.cvrp_problem(inst, vehicles=1)
    solution = pipeline.plan(problem, pipeline.PlanConfig(time_limit_s=30.0, iterations=50))
    shape = run.solution_json(solution)
    assert shape["unplanned"] == []
    (route,) = shape["routes"]
    assert set(route) == {"vehicle", "breaks", "visits"}
    assert {v["id"] for v in route["visits"]} == {"2", "3"}
    assert all(set(v) == {"kind", "id", "start", "end"} for v in route["visits"])
