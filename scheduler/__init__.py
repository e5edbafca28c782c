"""The scheduler: plans each day's routes early in the morning and on demand.

``scheduler.service`` decides when to plan and runs the planner in a child process,
``scheduler.server`` serves its metrics and the plan-on-demand endpoint, ``scheduler.cli`` is
``nettestad scheduler``.
"""

from scheduler.server import SchedulerCollector, serve_http
from scheduler.service import (
    BAD_INPUT_EXIT,
    PlannedCheck,
    PlanRunner,
    Scheduler,
    SchedulerSettings,
    SchedulerStats,
    command_runner,
    delete_old_readings,
    next_plan_time,
    plans_in_database,
)

__all__ = [
    "BAD_INPUT_EXIT",
    "PlanRunner",
    "PlannedCheck",
    "Scheduler",
    "SchedulerCollector",
    "SchedulerSettings",
    "SchedulerStats",
    "command_runner",
    "delete_old_readings",
    "next_plan_time",
    "plans_in_database",
    "serve_http",
]
