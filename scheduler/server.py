"""The scheduler's HTTP side: ``/metrics``, ``/health`` and ``POST /plan?date=YYYY-MM-DD``."""

from __future__ import annotations

import json
import secrets
from collections.abc import Iterator
from datetime import date

from prometheus_client import CollectorRegistry
from prometheus_client.core import CounterMetricFamily, GaugeMetricFamily, Metric
from prometheus_client.registry import Collector

from metrics import Reply, Request, ServiceHttp
from scheduler.service import Scheduler


class SchedulerCollector(Collector):
    """The scheduler's statistics as they are when Prometheus scrapes."""

    def __init__(self, scheduler: Scheduler) -> None:
        self._scheduler = scheduler

    def collect(self) -> Iterator[Metric]:
        """Planner runs by outcome, the last good plan, the last run's duration, retention."""
        s = self._scheduler.stats
        runs = CounterMetricFamily(
            "nettestad_scheduler_plan_runs_total", "planner runs by outcome", labels=["outcome"]
        )
        for outcome, count in sorted(s.runs.items()):
            runs.add_metric([outcome], count)
        yield runs
        yield GaugeMetricFamily(
            "nettestad_scheduler_last_success_timestamp_seconds",
            "unix time of the last good plan",
            value=s.last_success_at,
        )
        yield GaugeMetricFamily(
            "nettestad_scheduler_last_duration_seconds",
            "duration of the last planner run",
            value=s.last_duration_s,
        )
        yield CounterMetricFamily(
            "nettestad_scheduler_retention_deleted_total",
            "raw readings deleted by retention",
            value=s.retention_deleted,
        )


def serve_http(scheduler: Scheduler, host: str, port: int) -> ServiceHttp:
    """Start the scheduler's HTTP server in a daemon thread; ``port`` is the one bound."""
    token = scheduler.settings.scheduler_token.get_secret_value()
    registry = CollectorRegistry()
    registry.register(SchedulerCollector(scheduler))

    def health(_: Request) -> Reply:
        return Reply(200, '{"status": "ok"}', "application/json")

    def plan(request: Request) -> Reply:
        given = request.authorization.removeprefix("Bearer ")
        if not secrets.compare_digest(given.encode(), token.encode()):
            return Reply(401, "a valid bearer token is needed\n")
        try:
            day = date.fromisoformat(request.query.get("date", [""])[0])
        except ValueError:
            return Reply(400, "give ?date=YYYY-MM-DD\n")
        scheduler.requests.put(day)
        return Reply(202, json.dumps({"queued": day.isoformat()}), "application/json")

    return ServiceHttp(
        host=host,
        port=port,
        registry=registry,
        routes={("GET", "/health"): health, ("POST", "/plan"): plan},
        name="scheduler-http",
    )
