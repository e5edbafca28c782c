"""Route planning: which bins to empty, and the trucks' routes through the day (OR-Tools, PyVRP)."""

from routing.dumps import CLEANUP_SERVICE_S, DUE_WITHIN, Cleanup, Reinsertion, insert_cleanup
from routing.errors import PlanCheckError, PlanningError
from routing.explain import text_nl
from routing.forecast import fit, level_at
from routing.model import Break, Facility, Problem, Solution, Stop, Vehicle, VisitKind, Window
from routing.pipeline import PlanConfig, plan
from routing.selection import SelectionParams, forecast_spread, normal_cdf
from routing.service import PlanParams, PlanResult, plan_day

__all__ = [
    "CLEANUP_SERVICE_S",
    "DUE_WITHIN",
    "Break",
    "Cleanup",
    "Facility",
    "PlanCheckError",
    "PlanConfig",
    "PlanParams",
    "PlanResult",
    "PlanningError",
    "Problem",
    "Reinsertion",
    "SelectionParams",
    "Solution",
    "Stop",
    "Vehicle",
    "VisitKind",
    "Window",
    "fit",
    "forecast_spread",
    "insert_cleanup",
    "level_at",
    "normal_cdf",
    "plan",
    "plan_day",
    "text_nl",
]
