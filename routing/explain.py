"""Why a stop is not in the plan: a reason code, with words in Dutch and English for people.

The checks go from hard impossibilities (no vehicle may or can carry it, no vehicle can reach it
within its window) to what the plan says about the fleet: the must-visit work is more than the
fleet's working hours hold, or the planner found no place for it within its time, or (optional
stops) serving it costs more than its penalty. Every reason is true of the problem or the plan; a
coordinator reads ``text_nl``.
"""

from __future__ import annotations

from enum import StrEnum

from routing.model import Problem, Unplanned


class Reason(StrEnum):
    """Why a stop is left out."""

    NO_VEHICLE = "no_vehicle"
    NOT_ALLOWED = "not_allowed"
    TOO_BIG = "too_big"
    WINDOW_UNREACHABLE = "window_unreachable"
    FLEET_HOURS_FULL = "fleet_hours_full"
    NO_ROOM_FOUND = "no_room_found"
    NOT_WORTH_IT = "not_worth_it"
    # a re-plan: a stop of the remaining plan its crew, being behind, no longer holds
    BEHIND_WINDOW = "behind_window"
    BEHIND_SHIFT = "behind_shift"
    BEHIND_ROOM = "behind_room"


_TEXT: dict[Reason, tuple[str, str]] = {
    Reason.NO_VEHICLE: ("geen voertuig beschikbaar", "no vehicle is available"),
    Reason.NOT_ALLOWED: (
        "geen enkel voertuig mag deze stop bedienen",
        "no vehicle is allowed to serve this stop",
    ),
    Reason.TOO_BIG: (
        "de lading is groter dan wat elk toegelaten voertuig kan dragen",
        "its load exceeds every allowed vehicle's capacity",
    ),
    Reason.WINDOW_UNREACHABLE: (
        "geen voertuig haalt het tijdvenster en is nog binnen de shift terug",
        "no vehicle can reach it within its time window and still return within its shift",
    ),
    Reason.FLEET_HOURS_FULL: (
        "verplichte stop, maar het verplichte werk is meer dan de werkuren van de ploegen",
        "must-visit, but the must-visit work exceeds the fleet's working hours",
    ),
    Reason.NO_ROOM_FOUND: (
        (
            "verplichte stop, maar de planner vond binnen de rekentijd geen plaats in een route "
            "(meer rekentijd of een extra voertuig kan helpen)"
        ),
        (
            "must-visit, but the planner found no place in a route within its time "
            "(more time or another vehicle may help)"
        ),
    ),
    Reason.NOT_WORTH_IT: (
        "optionele stop: meenemen kost meer dan ze laten staan",
        "optional and left out: serving it would cost more than its penalty",
    ),
    Reason.BEHIND_WINDOW: (
        (
            "stond in het plan, maar de ploeg loopt achter: wanneer ze er kan zijn, is het "
            "tijdvenster voorbij, en geen andere ploeg kan ze nog overnemen"
        ),
        (
            "was in the plan, but its crew is behind: its window is over before the crew can be "
            "there, and no other crew can take it"
        ),
    ),
    Reason.BEHIND_SHIFT: (
        (
            "stond in het plan, maar de ploeg loopt achter: met deze stop is ze niet meer binnen "
            "haar shift terug, en geen andere ploeg kan ze nog overnemen"
        ),
        (
            "was in the plan, but its crew is behind: with this stop it is not back within its "
            "shift, and no other crew can take it"
        ),
    ),
    Reason.BEHIND_ROOM: (
        (
            "stond in het plan, maar past niet meer in de rest van de dag van de ploeg (lading, "
            "pauze of openingsuren van de stortplaats), en geen andere ploeg kan ze overnemen"
        ),
        (
            "was in the plan, but no longer fits the rest of its crew's day (load, break or the "
            "disposal site's hours), and no other crew can take it"
        ),
    ),
}


def text_nl(code: str) -> str:
    """The Dutch words for a reason code (the code itself when unknown)."""
    try:
        return _TEXT[Reason(code)][0]
    except ValueError:
        return code


def text_en(code: str) -> str:
    """The English words for a reason code (the code itself when unknown)."""
    try:
        return _TEXT[Reason(code)][1]
    except ValueError:
        return code


def reason_of(problem: Problem, stop_index: int) -> Reason:  # noqa: PLR0911 - one return per reason, in the order a coordinator reads them
    """The reason a stop of ``problem`` is left out (see the module's order of checks)."""
    stop = problem.stops[stop_index]
    if not problem.vehicles:
        return Reason.NO_VEHICLE
    allowed = [
        v for v in problem.vehicles if not stop.allowed_vehicles or v.id in stop.allowed_vehicles
    ]
    if not allowed:
        return Reason.NOT_ALLOWED
    if all(any(d > c for d, c in zip(stop.demand, v.capacity, strict=True)) for v in allowed):
        return Reason.TOO_BIG
    if not reachable(problem, stop_index):
        return Reason.WINDOW_UNREACHABLE
    if stop.penalty is not None:
        return Reason.NOT_WORTH_IT
    if _must_work_s(problem) > _fleet_hours_s(problem):
        return Reason.FLEET_HOURS_FULL
    return Reason.NO_ROOM_FOUND


def reachable(problem: Problem, stop_index: int) -> bool:
    """Whether some allowed vehicle can reach the stop in its window and be back in its shift."""
    stop = problem.stops[stop_index]
    for v in problem.vehicles:
        if stop.allowed_vehicles and v.id not in stop.allowed_vehicles:
            continue
        there = v.shift.start + int(problem.duration[v.start_location][stop.location])
        begin = max(there, stop.window.start)
        back = begin + stop.service_s + int(problem.duration[stop.location][v.end_location])
        if begin <= stop.window.end and back <= v.shift.end:
            return True
    return False


def _must_work_s(problem: Problem) -> int:
    """A lower bound on the must-visit work: the service time of every must-visit stop."""
    return sum(s.service_s for s in problem.stops if s.penalty is None)


def _fleet_hours_s(problem: Problem) -> int:
    """The fleet's working time: every shift, less its breaks."""
    total = 0
    for v in problem.vehicles:
        span = v.shift.end - v.shift.start
        if v.max_duration_s is not None:
            span = min(span, v.max_duration_s)
        total += max(span - sum(b.duration_s for b in v.breaks), 0)
    return total


def unplanned(problem: Problem, stop_index: int) -> Unplanned:
    """The stop as left out, with its reason code and English words."""
    code = reason_of(problem, stop_index)
    return Unplanned(problem.stops[stop_index].id, text_en(code), code.value)
