"""Route planning: which bins to empty, and the trucks' routes through the day (OR-Tools, PyVRP)."""

from routing import advice, dumps, forecast, hotspots, service  # public modules
from routing.dumps import CLEANUP_SERVICE_S, DUE_WITHIN, Cleanup, Reinsertion, insert_cleanup
from routing.errors import PlanCheckError, PlanningError
from routing.explain import text_nl
from routing.forecast import fit, level_at
from routing.horizon import (
    HORIZON,
    HorizonParams,
    Outlook,
    ServiceCalendar,
    choose,
    crews_for_day,
    service_of,
)
from routing.model import Break, Facility, Problem, Solution, Stop, Vehicle, VisitKind, Window
from routing.pipeline import PlanConfig, plan
from routing.selection import forecast_spread, normal_cdf
from routing.service import PlanParams, PlanResult, plan_day
from routing.servicedays import (
    EVERY_DAY,
    ContainerNeed,
    Unserved,
    longest_wait_h,
    propose,
    unserved,
)

__all__ = [
    "CLEANUP_SERVICE_S",
    "DUE_WITHIN",
    "EVERY_DAY",
    "HORIZON",
    "Break",
    "Cleanup",
    "ContainerNeed",
    "Facility",
    "HorizonParams",
    "Outlook",
    "PlanCheckError",
    "PlanConfig",
    "PlanParams",
    "PlanResult",
    "PlanningError",
    "Problem",
    "Reinsertion",
    "ServiceCalendar",
    "Solution",
    "Stop",
    "Unserved",
    "Vehicle",
    "VisitKind",
    "Window",
    "advice",
    "choose",
    "crews_for_day",
    "dumps",
    "fit",
    "forecast",
    "forecast_spread",
    "hotspots",
    "insert_cleanup",
    "level_at",
    "longest_wait_h",
    "normal_cdf",
    "plan",
    "plan_day",
    "propose",
    "service",
    "service_of",
    "text_nl",
    "unserved",
]
