"""Route planning: which bins to empty, and the trucks' routes through the day (OR-Tools, PyVRP)."""

from routing.errors import PlanCheckError, PlanningError
from routing.explain import text_nl
from routing.forecast import fit, level_at
from routing.model import Break, Facility, Problem, Solution, Stop, Vehicle, VisitKind, Window
from routing.pipeline import PlanConfig, plan
from routing.selection import SelectionParams, forecast_spread, normal_cdf
from routing.service import PlanParams, PlanResult, plan_day

__all__ = [
    "Break",
    "Facility",
    "PlanCheckError",
    "PlanConfig",
    "PlanParams",
    "PlanResult",
    "PlanningError",
    "Problem",
    "SelectionParams",
    "Solution",
    "Stop",
    "Vehicle",
    "VisitKind",
    "Window",
    "fit",
    "forecast_spread",
    "level_at",
    "normal_cdf",
    "plan",
    "plan_day",
    "text_nl",
]
