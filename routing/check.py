"""An independent check of a plan against its problem: it trusts nothing the solver computed.

Loads, distances and the schedule are recomputed from the problem's own data; the solver's visit
times are only accepted if they are consistent with travel, service, windows and breaks.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

from routing.model import Problem, Route, Solution, VisitKind


@dataclass(slots=True)
class CheckReport:
    """What is wrong with a plan (nothing, if ``ok``) and its recomputed totals."""

    violations: list[str] = field(default_factory=list)
    distance: int = 0
    served: int = 0
    vehicles_used: int = 0
    early_trips: int = 0  # trips that leave before a stop on them is released

    @property
    def ok(self) -> bool:
        """Whether the plan breaks no rule."""
        return not self.violations


def check(
    problem: Problem, solution: Solution, *, require_all: bool = False, require_must: bool = True
) -> CheckReport:
    """Check every route; each violation begins with its rule (``capacity:``, ``window:``, ...).

    ``require_all`` also demands every stop be served (benchmarks); ``require_must=False`` accepts
    a must-visit stop left out with a reason (the product: the coordinator sees which and why).
    """
    report = CheckReport()
    stops = {s.id: s for s in problem.stops}
    vehicles = {v.id: v for v in problem.vehicles}
    seen: set[str] = set()
    for route in solution.routes:
        if route.vehicle_id not in vehicles:
            report.violations.append(f"vehicle: unknown vehicle {route.vehicle_id}")
            continue
        for visit in route.visits:
            if visit.kind is VisitKind.STOP:
                if visit.ref in seen:
                    report.violations.append(f"served: stop {visit.ref} served twice")
                seen.add(visit.ref)
        if route.visits:
            report.vehicles_used += 1
            _check_route(problem, route, report)
    report.served = len(seen)
    unknown = seen - stops.keys()
    if unknown:
        report.violations.append(f"served: unknown stops served: {sorted(unknown)[:5]}")
    listed = {u.stop_id for u in solution.unplanned}
    for stop in problem.stops:
        if stop.id in seen:
            continue
        if stop.id not in listed:
            report.violations.append(f"served: stop {stop.id} neither served nor explained")
        if require_all or (require_must and stop.penalty is None):
            report.violations.append(f"served: stop {stop.id} is not served")
    return report


def _check_route(problem: Problem, route: Route, report: CheckReport) -> None:  # noqa: PLR0912, PLR0915 - one pass over the route checks every rule on the same running schedule
    vehicle = next(v for v in problem.vehicles if v.id == route.vehicle_id)
    stops = {s.id: s for s in problem.stops}
    facilities = {f.id: f for f in problem.facilities}
    dims = len(vehicle.capacity)
    load = list(vehicle.initial_load) if vehicle.initial_load else [0] * dims
    day_load = [0] * dims
    count = 0
    where = vehicle.start_location
    free_at = route.start  # the moment the vehicle may leave its previous call
    tag = f"vehicle {vehicle.id}"
    if route.start < vehicle.shift.start:
        report.violations.append(f"shift: {tag} leaves before its shift")
    breaks = sorted(route.breaks, key=lambda b: b.start)
    _check_breaks(vehicle.breaks, breaks, route, tag, report)
    released = _trip_releases(problem, route) if problem.has_releases else {}
    for i, visit in enumerate(route.visits):
        report.distance += int(problem.distance[where][visit.location])
        travel = int(problem.duration[where][visit.location])
        pause = sum(b.duration_s for b in breaks if free_at <= b.start < visit.start)
        release = released.get(i, 0)
        if release > free_at:
            # The trip waits at its depot or unloading site for its goods (a break may fill the
            # wait, but one that runs past the release holds the departure back).
            depart = release
            for b in breaks:
                if free_at <= b.start < depart:
                    depart = max(depart, b.start + b.duration_s)
            held = sum(b.duration_s for b in breaks if depart <= b.start < visit.start)
            if free_at + travel + pause <= visit.start < depart + travel + held:
                report.early_trips += 1
                report.violations.append(
                    f"release: {tag} leaves for {visit.ref} before its trip's goods are released at "
                    f"{release}"
                )
        if visit.start < free_at + travel + pause:
            report.violations.append(
                f"schedule: {tag} starts {visit.ref} at {visit.start}, but cannot be there before "
                f"{free_at + travel + pause}"
            )
        if visit.kind is VisitKind.STOP:
            stop = stops.get(visit.ref)
            if stop is None:
                continue
            count += 1
            if stop.allowed_vehicles and vehicle.id not in stop.allowed_vehicles:
                report.violations.append(f"vehicle: {tag} may not serve {stop.id}")
            if stop.location != visit.location:
                report.violations.append(f"distance: {stop.id} visited at the wrong place")
            window, service = stop.window, stop.service_s
            load = [load[d] + stop.demand[d] for d in range(dims)]
            day_load = [day_load[d] + stop.demand[d] for d in range(dims)]
            for d in range(dims):
                if load[d] > vehicle.capacity[d]:
                    report.violations.append(
                        f"capacity: {tag} carries {load[d]} > {vehicle.capacity[d]} after {stop.id}"
                    )
        else:
            facility = facilities.get(visit.ref)
            if facility is None:
                report.violations.append(f"disposal: {tag} unloads at unknown site {visit.ref}")
                continue
            window, service = facility.window, facility.unload_s
            load = [0] * dims
        if not window.start <= visit.start <= window.end:
            report.violations.append(
                f"window: {tag} serves {visit.ref} at {visit.start}, outside {window.start}..{window.end}"
            )
        for b in breaks:
            if b.start < visit.start + service and visit.start < b.start + b.duration_s:
                report.violations.append(f"break: {tag} breaks during service at {visit.ref}")
        free_at = visit.start + service
        where = visit.location
    report.distance += int(problem.distance[where][vehicle.end_location])
    back = free_at + int(problem.duration[where][vehicle.end_location])
    back += sum(b.duration_s for b in breaks if free_at <= b.start < route.end)
    if route.end < back:
        report.violations.append(
            f"schedule: {tag} claims to be back at {route.end}, earliest is {back}"
        )
    if max(route.end, back) > vehicle.shift.end:
        report.violations.append(f"shift: {tag} returns after its shift ends")
    if vehicle.max_duration_s is not None and back - route.start > vehicle.max_duration_s:
        report.violations.append(f"shift: {tag} works longer than {vehicle.max_duration_s} s")
    if problem.facilities and vehicle.unload_before_return and any(load):
        report.violations.append(
            f"disposal: {tag} returns to the depot loaded ({load}) after {route.visits[-1].ref}"
        )
    if vehicle.max_stops is not None and count > vehicle.max_stops:
        report.violations.append(f"capacity: {tag} serves {count} stops > {vehicle.max_stops}")
    if vehicle.max_day_load is not None:
        for d in range(dims):
            if day_load[d] > vehicle.max_day_load[d]:
                report.violations.append(f"capacity: {tag} collects {day_load[d]} in a day")


def _trip_releases(problem: Problem, route: Route) -> dict[int, int]:
    """Per visit that begins a trip, the latest release of the stops on that trip."""
    release = {s.id: s.release_s for s in problem.stops}
    out: dict[int, int] = {}
    first = 0
    for i, visit in enumerate([*route.visits, None]):
        if visit is None or visit.kind is VisitKind.UNLOAD:
            latest = max((release.get(v.ref, 0) for v in route.visits[first:i]), default=0)
            if latest > 0:
                out[first] = latest
            first = i + 1
    return out


def _check_breaks(
    required: Sequence[object],
    taken: Sequence[object],
    route: Route,
    tag: str,
    report: CheckReport,
) -> None:
    from routing.model import Break, BreakTaken

    rules = [b for b in required if isinstance(b, Break)]
    done = [b for b in taken if isinstance(b, BreakTaken)]
    for rule in rules:
        match = [
            b
            for b in done
            if rule.earliest_start <= b.start <= rule.latest_start
            and b.duration_s >= rule.duration_s
        ]
        # A break that falls wholly before the shift starts or after it ends is no break at all.
        if (
            not match
            and route.start < rule.latest_start + rule.duration_s
            and route.end > rule.earliest_start
        ):
            report.violations.append(
                f"break: {tag} takes no {rule.duration_s} s break starting in "
                f"{rule.earliest_start}..{rule.latest_start}"
            )
