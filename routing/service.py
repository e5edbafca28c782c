"""Plan a day from the database and store it; re-plan the rest of a day after events.

``plan_day`` reads bins, readings, the fleet and sites, forecasts each bin, selects the day's stops,
solves, and stores the plan as the day's active one. ``replan`` keeps what is done, applies the
crews' reports, and re-optimises the remaining work from where each vehicle is now.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from db import Conn, plans
from db import advice as bin_history
from db import dumps as dumps_db
from db import hotspot_checks as hotspot_db
from db import servicedays as servicedays_db
from db import sites as sites_db
from db.readings import readings_since
from routing import dumps, hotspots, pipeline, rest, servicedays
from routing.errors import PlanningError
from routing.forecast import BRUSSELS, estimate
from routing.horizon import (
    HORIZON,
    SERVICES,
    STREET,
    HorizonParams,
    Outlook,
    ServiceCalendar,
    choose,
)
from routing.hotspots import Seen, Spot, watches
from routing.matrix import GreatCircleProvider, LatLon, MatrixProvider
from routing.model import Break, Facility, Problem, Solution, Stop, Vehicle, VisitKind, Window
from routing.servicedays import EVERY_DAY

log = logging.getLogger(__name__)
MICRO = 1_000_000  # cost unit: micro-euro (see routing/model.py)
# the readings a proposed periodic plan learns the fill rates from
PROPOSAL_HISTORY = timedelta(days=28)
CHECK_HISTORY = timedelta(weeks=8)  # a hotspot's dumps and camera misses, counted this far back
CHECK_LOOKBACK = timedelta(hours=hotspots.UNSEEN_HOURS)  # crews' passes looked at this far back


@dataclass(frozen=True, slots=True)
class PlanParams:
    """How a day is planned; ``time_limit_s=None`` gives the budget scaled to the day's size."""

    time_limit_s: float | None = None
    seed: int = 1
    solution_limit: int | None = None
    iterations: int | None = None  # improvement iterations: the same plan on any machine
    max_time_s: float | None = None  # a cap on the scaled budget (a request holds a worker)
    history_days: int = 28
    horizon: HorizonParams = HORIZON  # the sensor-driven policy (routing.horizon)
    matrix: MatrixProvider = field(default_factory=GreatCircleProvider)
    now: datetime | None = None  # when the forecast is made; default: the eve of the day
    # registered hotspots no crew has passed for a while are offered as checks (_book_checks)
    hotspot_checks: bool = True


@dataclass(frozen=True, slots=True)
class PlanResult:
    """A stored plan and what is in it."""

    plan_id: int
    day: date
    planned_stops: int
    unplanned: int
    must_visit: int
    optional: int
    vehicles_used: int
    distance_m: int
    objective: int
    solve_s: float
    first_solution_s: float | None


@dataclass(frozen=True, slots=True)
class StopDone:
    """A crew finished a stop."""

    ref: str
    at: datetime | None = None


@dataclass(frozen=True, slots=True)
class StopBlocked:
    """A crew cannot reach or serve a stop (parked car, road works)."""

    ref: str


@dataclass(frozen=True, slots=True)
class BinOverflowing:
    """A bin is reported overflowing and must be emptied today."""

    bin_id: str


@dataclass(frozen=True, slots=True)
class NewDump:
    """Illegally dumped waste to clear today."""

    name: str
    lat: float
    lon: float
    volume_l: int = 500
    weight_kg: int = 100
    service_s: int = 900
    fixed_visit_id: int | None = None  # already booked (a dump report's visit): not booked again


Event = StopDone | StopBlocked | BinOverflowing | NewDump


@dataclass(slots=True)
class _Place:
    """A stop candidate with everything needed to store it afterwards."""

    ref: str
    kind: str
    name: str
    lat: float
    lon: float
    stop: Stop | None = None
    predicted_fill: float | None = None
    flag: str | None = None  # chosen from the bin's history: its sensor is silent or stuck
    due_s: int | None = None  # a cleanup's due time (seconds from midnight): its deadline


class _PointIndex:
    """The matrix's points, each place once: a key (``depot:…``, ``bin:…``) → its matrix index."""

    def __init__(self) -> None:
        self.points: list[LatLon] = []
        self.keys: dict[str, int] = {}

    def locate(self, key: str, lat: float, lon: float) -> int:
        """The index of this place, adding it on first sight."""
        if key not in self.keys:
            self.keys[key] = len(self.points)
            self.points.append((lat, lon))
        return self.keys[key]


def _config(params: PlanParams) -> pipeline.PlanConfig:
    return pipeline.PlanConfig(
        time_limit_s=params.time_limit_s,
        seed=params.seed,
        solution_limit=params.solution_limit,
        iterations=params.iterations,
        max_time_s=params.max_time_s,
    )


def _forecast_time(day: date) -> datetime:
    """Plan with every reading up to now, except when re-planning a past day (then: its eve)."""
    now = datetime.now(UTC)
    if now > _midnight(day) + timedelta(days=1):
        return _midnight(day) - timedelta(hours=3)
    return min(now, _midnight(day) + timedelta(hours=6))


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=BRUSSELS).astimezone(UTC)


def _secs(day: date, t: time) -> int:
    local = datetime.combine(day, t, tzinfo=BRUSSELS)
    return int((local - _midnight(day)).total_seconds())


def _fleet(
    rows: Sequence[plans.PlanVehicle], day: date, locations: dict[str, int]
) -> list[Vehicle]:
    vehicles = []
    for r in rows:
        breaks: tuple[Break, ...] = ()
        if r.break_earliest is not None and r.break_minutes > 0:
            breaks = (
                Break(
                    _secs(day, r.break_earliest),
                    _secs(day, r.break_latest or r.break_earliest),
                    r.break_minutes * 60,
                ),
            )
        loc = locations[f"depot:{r.depot_id}"]
        vehicles.append(
            Vehicle(
                id=r.id,
                capacity=(r.capacity_l, r.capacity_kg),
                start_location=loc,
                end_location=loc,
                shift=Window(_secs(day, r.shift_start), _secs(day, r.shift_end)),
                fixed_cost=int(float(r.fixed_cost) * MICRO),
                distance_cost=int(float(r.cost_per_km) * MICRO / 1000),
                time_cost=int(float(r.cost_per_hour) * MICRO / 3600),
                breaks=breaks,
            )
        )
    return vehicles


def _window(day: date, opens: time | None, closes: time | None, *, what: str = "") -> Window:
    if opens is None or closes is None:
        return Window(0, 48 * 3600)
    if closes <= opens:
        raise PlanningError(
            "impossible_window",
            f"{what or 'een stop'}: het tijdvenster sluit ({closes:%H:%M}) voor of wanneer het "
            f"opent ({opens:%H:%M}); pas het venster aan",
            f"{what or 'a stop'}: its window closes ({closes:%H:%M}) before it opens "
            f"({opens:%H:%M})",
        )
    return Window(_secs(day, opens), _secs(day, closes))


def _sites_open(sites: Sequence[plans.DisposalSite], day: date) -> list[plans.DisposalSite]:
    """The sites open on ``day``'s weekday (``open_days``). When the registry has every site shut
    that day, all of them with their hours, and a warning: refusing would leave the city without
    a plan on days the registry's default (Monday to Saturday) was never corrected for."""
    open_ = [s for s in sites if day.weekday() in s.open_days]
    if sites and not open_:
        log.warning(
            "every disposal site is shut on %s by the registry (%s): planned with their hours",
            f"{day:%A}",
            ", ".join(s.id for s in sites),
        )
        return list(sites)
    return open_


def plan_day(*, conn: Conn, day: date, params: PlanParams | None = None) -> PlanResult:
    """Forecast, select, solve and store the plan for ``day``; returns the stored plan's summary."""
    params = params or PlanParams()
    now = params.now or _forecast_time(day)
    fleet_rows = plans.fleet(conn=conn)
    if not fleet_rows:
        raise PlanningError(
            "no_vehicles",
            "geen actieve voertuigen: voeg voertuigen toe voor je plant",
            "no active vehicles: add vehicles before planning",
        )
    sites = _sites_open(plans.disposal_sites(conn=conn), day)  # a site shut that weekday: not used
    places_index = _PointIndex()
    points, locations, locate = places_index.points, places_index.keys, places_index.locate

    for r in fleet_rows:
        locate(f"depot:{r.depot_id}", r.depot_lat, r.depot_lon)
    facilities = [
        Facility(
            id=s.id,
            location=locate(f"site:{s.id}", s.lat, s.lon),
            unload_s=s.unload_s,
            window=_window(day, s.opens, s.closes, what=f"stortplaats {s.id}"),
        )
        for s in sites
    ]
    places = _select_bins(conn=conn, day=day, now=now, params=params, locate=locate)
    dumps.carry_over(conn=conn, day=day)  # uncleared dumps of earlier days: must-visits today
    if params.hotspot_checks:
        _book_checks(conn=conn, day=day, now=now, horizon=params.horizon)
    places += _fixed_places(conn=conn, day=day, locate=locate)
    vehicles = _fleet(fleet_rows, day, locations)
    return _solve_and_store(
        conn=conn,
        day=day,
        params=params,
        points=points,
        places=places,
        vehicles=vehicles,
        facilities=facilities,
        sites={s.id: s for s in sites},
        name=f"Kortrijk {day.isoformat()}",
        replan_of=None,
        kept=[],
    )


def _solve_and_store(
    *,
    conn: Conn,
    day: date,
    params: PlanParams,
    points: list[LatLon],
    places: list[_Place],
    vehicles: list[Vehicle],
    facilities: list[Facility],
    sites: dict[str, plans.DisposalSite],
    name: str,
    replan_of: int | None,
    kept: list[plans.PlanStop],
    remaining: dict[str, list[str]] | None = None,
) -> PlanResult:
    """Solve one day's problem, store the plan and summarise it (first plans and re-plans alike).

    A re-plan gives the ``remaining`` plan (per vehicle, its calls not yet made, in order): the
    rest of the day is planned from it (``routing.rest``), never losing a must-visit stop it holds.
    """
    distance, duration = params.matrix.matrices(points)
    problem = Problem(
        distance=distance,
        duration=duration,
        stops=tuple(p.stop for p in places if p.stop is not None),
        vehicles=tuple(vehicles),
        facilities=tuple(facilities),
        name=name,
    )
    config = replace(_config(params), refuse_unreachable=replan_of is None)
    if remaining is None:
        # a cleanup due during the day is served by its due time where the day can hold it
        due = {p.ref: p.due_s for p in places if p.due_s is not None}
        problem, solution = dumps.plan_by_due(problem, due, config)  # checked, or it raises
    else:  # likewise checked, or it raises
        problem, solution = rest.plan_rest(problem, remaining, config)
    plan_id = _store(
        conn=conn,
        day=day,
        problem=problem,
        solution=solution,
        places=places,
        sites=sites,
        replan_of=replan_of,
        kept=kept,
    )
    must = sum(1 for s in problem.stops if s.penalty is None)
    return PlanResult(
        plan_id=plan_id,
        day=day,
        planned_stops=sum(1 for r in solution.routes for v in r.visits if v.kind is VisitKind.STOP),
        unplanned=len(solution.unplanned),
        must_visit=must,
        optional=len(problem.stops) - must,
        vehicles_used=solution.used_vehicles,
        distance_m=solution.distance,
        objective=solution.objective,
        solve_s=solution.solve_s,
        first_solution_s=solution.first_solution_s,
    )


def calendar_of(*, conn: Conn, areas: set[str]) -> ServiceCalendar:
    """The stored periodic plan; an area without a row is served every day."""
    return calendar_from(servicedays_db.all_rows(conn=conn), areas=areas)


def calendar_from(
    stored: Sequence[servicedays_db.ServiceDayRow], *, areas: set[str]
) -> ServiceCalendar:
    """The periodic plan of these stored rows; an area without a row is served every day."""
    weekdays = {(svc, area): EVERY_DAY for svc in SERVICES for area in areas}
    for row in stored:
        weekdays[(row.service, row.area)] = frozenset(row.weekdays)
    return ServiceCalendar(weekdays)


def propose_calendar(*, conn: Conn, now: datetime) -> ServiceCalendar | None:
    """The periodic plan ``routing.servicedays.propose`` makes from the stored readings of the
    last ``PROPOSAL_HISTORY`` (each container's fill rate through the product's forecast; a
    silent or stuck sensor's from its history), around the first vehicle's depot; None when no
    vehicle is active (there is no depot to plan around). Containers without a place are left
    out: an area they leave without service days is named by ``servicedays.unserved``."""
    fleet = plans.fleet(conn=conn)
    if not fleet:
        return None
    readings = readings_since(conn=conn, since=now - PROPOSAL_HISTORY, until=now)
    emptied = bin_history.last_emptied(conn=conn, until=now)
    needs = []
    for b in plans.active_bins(conn=conn, day=now.astimezone(BRUSSELS).date()):
        if b.lat is None or b.lon is None or (b.lat == 0 and b.lon == 0):
            continue
        model = estimate(readings.get(b.id, []), at=now, emptied_at=emptied.get(b.id)).model
        needs.append(
            servicedays.ContainerNeed(
                b.id, b.district, b.container_type, b.lat, b.lon, sum(model.rate) / 7
            )
        )
    return servicedays.propose(needs, depot=(fleet[0].depot_lat, fleet[0].depot_lon))


_FLAGS = {"silent": "silent", "stuck": "stuck", "none": "no_history"}


def outlook_of(
    *,
    bin_id: str,
    area: str,
    container_type: str,
    history: Sequence[tuple[datetime, float | None]],
    now: datetime,
    emptied_at: datetime | None = None,
) -> Outlook:
    """What the readings say about one bin; a silent or stuck sensor falls back to its history
    (``routing.forecast.estimate``), and the outlook names the fallback."""
    est = estimate(history, at=now, emptied_at=emptied_at)
    flag = None if est.fallback is None else _FLAGS.get(est.fallback, est.fallback)
    return Outlook(bin_id, area, container_type, est.level, est.at, est.model, flag=flag)


def _select_bins(
    *, conn: Conn, day: date, now: datetime, params: PlanParams, locate: Any
) -> list[_Place]:
    bins = plans.active_bins(conn=conn, day=day)
    readings = readings_since(conn=conn, since=now - timedelta(days=params.history_days), until=now)
    windows = plans.bin_windows(conn=conn, weekday=day.weekday())
    emptied = bin_history.last_emptied(conn=conn, until=now)
    calendar = calendar_of(conn=conn, areas={b.district for b in bins})
    for warning in servicedays.unserved(
        calendar, ((b.id, b.district, b.container_type) for b in bins)
    ):
        log.warning("%s", warning.message_en())
    outlooks = []
    for b in bins:
        # (0, 0) is what a registry row gets when its coordinates were never filled in
        if b.lat is None or b.lon is None or (b.lat == 0 and b.lon == 0):
            raise PlanningError(
                "bin_without_location",
                f"bak {b.id} heeft geen locatie: vul de coördinaten in of zet de bak op inactief",
                f"bin {b.id} has no location: set its coordinates or make it inactive",
            )
        # a silent or stuck sensor falls back to the bin's history, never skips the bin
        outlooks.append(
            outlook_of(
                bin_id=b.id,
                area=b.district,
                container_type=b.container_type,
                history=readings.get(b.id, []),
                now=now,
                emptied_at=emptied.get(b.id),
            )
        )
    by_id = {b.id: b for b in bins}
    places = []
    for choice in choose(outlooks, day=day, calendar=calendar, params=params.horizon):
        b = by_id[choice.bin_id]
        if choice.flag is not None:
            log.warning("bin %s chosen from its history: sensor %s", b.id, choice.flag)
        fill = min(max(choice.expected_level, 0.0), 1.15)
        volume = round(fill * b.volume_l)
        opens, closes = windows.get(b.id, (None, None))
        stop = Stop(
            id=b.id,
            location=locate(f"bin:{b.id}", b.lat, b.lon),
            demand=(volume, round(volume * b.kg_per_l)),
            service_s=b.service_s,
            window=_window(day, opens, closes, what=f"bak {b.id}"),
            penalty=None if choice.prize_eur is None else int(choice.prize_eur * MICRO),
        )
        places.append(_Place(b.id, "bin", b.name, b.lat, b.lon, stop, fill, choice.flag))
    return places


def _book_checks(*, conn: Conn, day: date, now: datetime, horizon: HorizonParams) -> int:
    """Book ``day``'s hotspot checks as optional fixed visits (``routing.hotspots.hotspot_checks``):
    a registered hotspot in an area the street crews serve that day, where a dump the camera
    missed may lie because no crew passed it lately, with the prize of finding it a day early.
    The day's earlier checks no crew acted on are replaced. Returns how many were booked."""
    hotspot_db.drop_open_checks(conn=conn, day=day)
    registered = [h for h in sites_db.hotspots(conn=conn) if h.active]
    spots = [Spot(h.id, h.district, h.lat, h.lon) for h in registered]
    if not spots:
        return 0
    since = now - CHECK_HISTORY
    reports = [
        Seen(r.lat, r.lon, r.reported_at, r.source == "camera", r.cleared_at is None)
        for r in dumps_db.reports(conn=conn, since=since, open_only=False)
    ]
    seen = [
        (p.at, p.lat, p.lon)
        for p in hotspot_db.passes(conn=conn, since=now - CHECK_LOOKBACK, until=now)
    ]
    calendar = calendar_of(conn=conn, areas={s.area for s in spots})
    visit = datetime.combine(day, horizon.visit_at, BRUSSELS)
    checks = hotspots.hotspot_checks(
        watches(spots, reports=reports, passes=seen, history_from=since, now=now),
        at=visit,
        served=lambda area: calendar.serves(STREET, area, day),
    )
    names = {h.id: h for h in registered}
    for c in checks:
        plans.insert_fixed_visit(
            conn=conn,
            day=day,
            kind="check",
            name=f"Controle sluikstortplek {names[c.hotspot_id].name}",
            lat=c.lat,
            lon=c.lon,
            service_s=hotspots.CHECK_SERVICE_S,
            note=f"{names[c.hotspot_id].district}: kijk of er sluikstort ligt en meld het",
            prize_eur=c.prize_eur,
        )
    return len(checks)


def _fixed_places(*, conn: Conn, day: date, locate: Any) -> list[_Place]:
    out = []
    due = dumps_db.due_times(conn=conn, day=day)
    for f in plans.fixed_visits(conn=conn, day=day):
        ref = f"fixed:{f.id}"
        stop = Stop(
            id=ref,
            location=locate(ref, f.lat, f.lon),
            demand=(f.volume_l, f.weight_kg),
            service_s=f.service_s,
            window=_window(day, f.opens, f.closes, what=f"vaste stop {f.name}"),
            penalty=None if f.prize_eur is None else int(f.prize_eur * MICRO),
        )
        deadline = None
        if f.id in due:
            deadline = int((due[f.id] - _midnight(day)).total_seconds())
        out.append(_Place(ref, "fixed", f.name, f.lat, f.lon, stop, due_s=deadline))
    return out


def _store(
    *,
    conn: Conn,
    day: date,
    problem: Problem,
    solution: Solution,
    places: list[_Place],
    sites: dict[str, plans.DisposalSite],
    replan_of: int | None,
    kept: list[plans.PlanStop],
) -> int:
    base = _midnight(day)
    crews = plans.crew_assignments(conn=conn, day=day)
    by_ref = {p.ref: p for p in places}
    routes: list[plans.PlanRoute] = []
    stops = list(kept)
    kept_by_vehicle: dict[str, int] = {}
    for k in kept:
        kept_by_vehicle[k.vehicle_id] = max(kept_by_vehicle.get(k.vehicle_id, 0), k.seq)

    def at(seconds: int) -> datetime:
        return base + timedelta(seconds=seconds)

    for route in solution.routes:
        if not route.visits and route.vehicle_id not in kept_by_vehicle:
            continue
        brk = route.breaks[0] if route.breaks else None
        routes.append(
            plans.PlanRoute(
                vehicle_id=route.vehicle_id,
                crew_id=crews.get(route.vehicle_id),
                start_at=at(route.start),
                end_at=at(route.end),
                distance_m=route.distance,
                break_start=at(brk.start) if brk else None,
                break_end=at(brk.start + brk.duration_s) if brk else None,
            )
        )
        seq = kept_by_vehicle.get(route.vehicle_id, 0)
        for visit in route.visits:
            seq += 1
            place = by_ref.get(visit.ref)
            if visit.kind is VisitKind.UNLOAD:
                site = sites[visit.ref]
                kind, name, lat, lon, fill, penalty = (
                    "unload",
                    site.name,
                    site.lat,
                    site.lon,
                    None,
                    None,
                )
            else:
                assert place is not None
                assert place.stop is not None
                kind, name, lat, lon = place.kind, place.name, place.lat, place.lon
                fill, penalty = place.predicted_fill, place.stop.penalty
            stops.append(
                plans.PlanStop(
                    vehicle_id=route.vehicle_id,
                    seq=seq,
                    kind=kind,
                    ref=visit.ref,
                    name=name,
                    lat=lat,
                    lon=lon,
                    arrival_at=at(visit.arrival),
                    start_at=at(visit.start),
                    end_at=at(visit.end),
                    load_l=visit.load_after[0],
                    load_kg=visit.load_after[1],
                    predicted_fill=fill,
                    penalty=penalty,
                    state="planned",
                    done_at=None,
                )
            )
    unplanned = []
    for u in solution.unplanned:
        place = by_ref[u.stop_id]
        assert place.stop is not None
        unplanned.append(
            plans.PlanUnplanned(
                ref=u.stop_id,
                name=place.name,
                must_visit=place.stop.penalty is None,
                penalty=place.stop.penalty,
                lat=place.lat,
                lon=place.lon,
                reason=u.reason,
                reason_code=u.code,
            )
        )
    summary = {
        "checked": True,  # routing.pipeline returns only plans that pass routing.check
        "status": solution.status,
        "first_solution_s": solution.first_solution_s,
        "vehicles_used": solution.used_vehicles,
        "stops": len(problem.stops),
        "must_visit": sum(1 for s in problem.stops if s.penalty is None),
        "unplanned": len(unplanned),
        # bins chosen from their history because their sensor is silent or stuck
        "fallback": sorted(p.ref for p in places if p.flag is not None),
    }
    return plans.insert_plan(
        conn=conn,
        day=day,
        objective=solution.objective,
        distance_m=solution.distance,
        solve_s=solution.solve_s,
        summary=summary,
        routes=routes,
        stops=stops,
        unplanned=unplanned,
        replan_of=replan_of,
    )


def replan(  # noqa: PLR0912, PLR0915 - one story: what is done, what remains, where each vehicle is
    *,
    conn: Conn,
    plan_id: int,
    events: Sequence[Event] = (),
    now: datetime | None = None,
    params: PlanParams | None = None,
) -> PlanResult:
    """Re-optimise the rest of the day after ``events``; done stops stay exactly as they were."""
    params = params or PlanParams()
    header = plans.plan(conn=conn, plan_id=plan_id)
    if header is None:
        raise LookupError(f"no plan {plan_id}")
    day = header.day
    now = now or datetime.now(UTC)
    old_stops = plans.stops(conn=conn, plan_id=plan_id)
    old_routes = {r.vehicle_id: r for r in plans.routes(conn=conn, plan_id=plan_id)}
    done = {e.ref: e.at or now for e in events if isinstance(e, StopDone)}
    blocked = {e.ref for e in events if isinstance(e, StopBlocked)}
    for s in old_stops:
        if s.state == "done":
            done.setdefault(s.ref, s.done_at or s.end_at)
    base = _midnight(day)
    now_s = max(int((now - base).total_seconds()), 0)

    places_index = _PointIndex()
    points, locations, locate = places_index.points, places_index.keys, places_index.locate

    fleet_rows = {r.id: r for r in plans.fleet(conn=conn)}
    sites = {s.id: s for s in _sites_open(plans.disposal_sites(conn=conn), day)}
    for r in fleet_rows.values():
        locate(f"depot:{r.depot_id}", r.depot_lat, r.depot_lon)
    facilities = [
        Facility(
            s.id, locate(f"site:{s.id}", s.lat, s.lon), s.unload_s, _window(day, s.opens, s.closes)
        )
        for s in sites.values()
    ]
    kept: list[plans.PlanStop] = []
    places: list[_Place] = []
    remaining: dict[str, list[str]] = {}  # per vehicle, its calls not yet made, in plan order
    bins = {b.id: b for b in plans.active_bins(conn=conn, day=day)}
    position: dict[str, tuple[str, float, float, int, list[int], int]] = {}
    windows: dict[str, tuple[time | None, time | None]] = dict(
        plans.bin_windows(conn=conn, weekday=day.weekday())
    )
    fixed_windows = {
        f"fixed:{f.id}": (f.opens, f.closes) for f in plans.fixed_visits(conn=conn, day=day)
    }

    def window_of(ref: str) -> Window:
        opens, closes = windows.get(ref) or fixed_windows.get(ref) or (None, None)
        return _window(day, opens, closes, what=ref)

    def bin_place(
        b: plans.PlanBin, *, name: str, lat: float, lon: float, fill: float, penalty: int | None
    ) -> _Place:
        """A bin to visit again, expected ``fill`` full (``penalty`` None: it must be visited)."""
        volume = round(b.volume_l * fill)
        stop = Stop(
            id=b.id,
            location=locate(f"stop:{b.id}", lat, lon),
            demand=(volume, round(volume * b.kg_per_l)),
            service_s=b.service_s,
            window=window_of(b.id),
            penalty=penalty,
        )
        return _Place(b.id, "bin", name, lat, lon, stop, fill)

    for s in old_stops:
        if s.ref in done or (s.kind == "unload" and _before_last_done(s, old_stops, done)):
            done_at = done.get(s.ref, s.end_at)
            kept.append(replace(s, state="done", done_at=done_at))
            # Where the vehicle is: its last call done in route order, free when the crew
            # reported it done (not when the plan expected it: a crew ahead of plan is ahead).
            free = int((done_at - base).total_seconds())
            prev = position.get(s.vehicle_id)
            if prev is None or prev[5] < s.seq:  # an unload done: empty, at the site
                position[s.vehicle_id] = (s.ref, s.lat, s.lon, free, [s.load_l, s.load_kg], s.seq)
            continue
        if s.kind == "unload":
            remaining.setdefault(s.vehicle_id, []).append(s.ref)
            continue
        if s.ref in blocked:
            continue
        ref = s.ref
        remaining.setdefault(s.vehicle_id, []).append(ref)
        demand = _demand_for(s, old_stops)
        stop = Stop(
            id=ref,
            location=locate(f"stop:{ref}", s.lat, s.lon),
            demand=demand,
            service_s=bins[ref].service_s if ref in bins else 600,
            window=window_of(ref),
            penalty=s.penalty,
        )
        places.append(_Place(ref, s.kind, s.name, s.lat, s.lon, stop, s.predicted_fill))
    for u in sorted(plans.unplanned(conn=conn, plan_id=plan_id), key=lambda u: u.ref):
        if u.ref in blocked or u.lat is None or u.lon is None or u.ref not in bins:
            continue
        places.append(
            bin_place(bins[u.ref], name=u.name, lat=u.lat, lon=u.lon, fill=0.9, penalty=u.penalty)
        )
    present = {p.ref for p in places} | set(done)
    for e in events:
        if isinstance(e, BinOverflowing) and e.bin_id in bins and e.bin_id not in present:
            b = bins[e.bin_id]
            places.append(bin_place(b, name=b.name, lat=b.lat, lon=b.lon, fill=1.1, penalty=None))
        elif isinstance(e, BinOverflowing):
            places = [p if p.ref != e.bin_id or p.stop is None else _must(p) for p in places]
        elif isinstance(e, NewDump):
            fid = e.fixed_visit_id or plans.insert_fixed_visit(
                conn=conn,
                day=day,
                kind="dump",
                name=e.name,
                lat=e.lat,
                lon=e.lon,
                service_s=e.service_s,
                volume_l=e.volume_l,
                weight_kg=e.weight_kg,
            )
            ref = f"fixed:{fid}"
            places.append(
                _Place(
                    ref,
                    "fixed",
                    e.name,
                    e.lat,
                    e.lon,
                    Stop(
                        id=ref,
                        location=locate(ref, e.lat, e.lon),
                        demand=(e.volume_l, e.weight_kg),
                        service_s=e.service_s,
                    ),
                )
            )
    vehicles = []
    for v in _fleet(list(fleet_rows.values()), day, locations):
        if v.id not in old_routes:
            continue
        pos = position.get(v.id)
        start_loc, start_s, load = v.start_location, max(now_s, v.shift.start), (0, 0)
        if pos is not None:
            start_loc = locate(f"stop:{pos[0]}", pos[1], pos[2])
            start_s = max(start_s, pos[3])
            load = (int(pos[4][0]), int(pos[4][1]))
        route = old_routes[v.id]
        breaks = v.breaks
        if route.break_end is not None and route.break_end <= now:
            breaks = ()
        else:
            breaks = tuple(
                Break(max(b.earliest_start, start_s), max(b.latest_start, start_s), b.duration_s)
                for b in breaks
            )
        vehicles.append(
            Vehicle(
                id=v.id,
                capacity=v.capacity,
                start_location=start_loc,
                end_location=v.end_location,
                shift=Window(start_s, max(v.shift.end, start_s)),
                fixed_cost=0,
                distance_cost=v.distance_cost,
                time_cost=v.time_cost,
                breaks=breaks,
                initial_load=load,
            )
        )
    return _solve_and_store(
        conn=conn,
        day=day,
        params=params,
        points=points,
        places=places,
        vehicles=vehicles,
        facilities=facilities,
        sites=sites,
        name=f"re-plan {plan_id}",
        replan_of=plan_id,
        kept=kept,
        remaining=remaining,
    )


def _must(place: _Place) -> _Place:
    assert place.stop is not None
    s = place.stop
    stop = Stop(s.id, s.location, s.demand, s.service_s, s.window, None, s.allowed_vehicles)
    return _Place(
        place.ref, place.kind, place.name, place.lat, place.lon, stop, place.predicted_fill
    )


def _before_last_done(
    stop: plans.PlanStop, stops: list[plans.PlanStop], done: dict[str, datetime]
) -> bool:
    """An unload counts as done when a later stop of the same vehicle is done."""
    return any(
        s.vehicle_id == stop.vehicle_id and s.seq > stop.seq and s.ref in done for s in stops
    )


def _demand_for(stop: plans.PlanStop, stops: list[plans.PlanStop]) -> tuple[int, int]:
    """A stop's own load: the rise in load on board from the previous call of the route."""
    prev = [s for s in stops if s.vehicle_id == stop.vehicle_id and s.seq < stop.seq]
    before = (prev[-1].load_l, prev[-1].load_kg) if prev and prev[-1].kind != "unload" else (0, 0)
    return (max(stop.load_l - before[0], 0), max(stop.load_kg - before[1], 0))
