"""``nettestad servicedays``: see and change the service days per area (the periodic plan).

    nettestad servicedays show
    nettestad servicedays set --service street --area Heule --days ma,do
    nettestad servicedays propose [--apply]

``propose`` prints the plan :func:`routing.servicedays.propose` makes from the sensors' fill
rates (the last four weeks of readings, through the product's forecast); ``--apply`` stores it.
A change that leaves containers without any service day is stored, and each of them is named in
a warning (Dutch first, English second).
"""

from __future__ import annotations

import argparse
import getpass

from routing.horizon import SERVICES
from routing.servicedays import WEEKDAY_NL

_DAYS_EN = ("mo", "tu", "we", "th", "fr", "sa", "su")


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``servicedays`` subcommand."""
    parser = subparsers.add_parser("servicedays", help="service days per area (periodic plan)")
    sub = parser.add_subparsers(dest="action", required=True)
    show = sub.add_parser("show", help="the service days of every area")
    show.set_defaults(handler=_show)
    change = sub.add_parser("set", help="set one area's service days")
    change.add_argument("--service", choices=SERVICES, required=True)
    change.add_argument("--area", required=True, help="district, as in the bins table")
    change.add_argument("--days", required=True, help="e.g. ma,do (or mo,th); '' for none")
    change.set_defaults(handler=_set)
    proposal = sub.add_parser("propose", help="propose service days from the fill rates")
    proposal.add_argument("--apply", action="store_true", help="store the proposal")
    proposal.set_defaults(handler=_propose)


def parse_days(text: str) -> list[int]:
    """Weekday abbreviations (Dutch or English) to weekday numbers; ValueError names a bad one."""
    out = []
    for part in (p.strip().lower() for p in text.split(",") if p.strip()):
        if part in WEEKDAY_NL:
            out.append(WEEKDAY_NL.index(part))
        elif part in _DAYS_EN:
            out.append(_DAYS_EN.index(part))
        else:
            raise ValueError(part)
    return sorted(set(out))


def _show(_args: argparse.Namespace) -> int:
    from config import ServiceSettings
    from db import connect
    from db import servicedays as rows
    from routing.service import calendar_of
    from routing.servicedays import describe

    with connect(ServiceSettings().database_url.get_secret_value()) as conn:
        areas = {b.district for b in rows.bin_areas(conn=conn)}
        stored = {(r.service, r.area) for r in rows.all_rows(conn=conn)}
        calendar = calendar_of(conn=conn, areas=areas)
    for line, key in zip(describe(calendar), sorted(calendar.weekdays), strict=True):
        print(line + ("" if key in stored else "   (niet ingesteld: elke dag)"))
    return 0


def _set(args: argparse.Namespace) -> int:
    from config import ServiceSettings
    from db import connect
    from db import servicedays as rows
    from routing.service import calendar_of
    from routing.servicedays import unserved

    try:
        days = parse_days(args.days)
    except ValueError as exc:
        print(f"onbekende dag {exc} (gebruik ma,di,wo,do,vr,za,zo) / unknown day {exc}")
        return 2
    with connect(ServiceSettings().database_url.get_secret_value()) as conn:
        bins = rows.bin_areas(conn=conn)
        known = {b.district for b in bins}
        if args.area not in known:
            print(f"onbekend gebied {args.area} / unknown area {args.area}")
            return 2
        rows.put(
            conn=conn, service=args.service, area=args.area, weekdays=days, by=getpass.getuser()
        )
        conn.commit()
        calendar = calendar_of(conn=conn, areas=known)
    containers = [(b.id, b.district, b.container_type) for b in bins]
    for warning in unserved(calendar, containers):
        print(f"waarschuwing: {warning.message_nl()} / warning: {warning.message_en()}")
    names = " ".join(WEEKDAY_NL[d] for d in days) or "geen"
    print(f"{args.area} ({args.service}): {names}")
    return 0


def _propose(args: argparse.Namespace) -> int:
    from datetime import UTC, datetime

    from config import ServiceSettings
    from db import connect
    from db import servicedays as rows
    from routing.horizon import ServiceCalendar
    from routing.service import calendar_of, propose_calendar
    from routing.servicedays import describe, unserved

    with connect(ServiceSettings().database_url.get_secret_value()) as conn:
        proposal = propose_calendar(conn=conn, now=datetime.now(UTC))
        if proposal is None:
            print(
                "geen actieve voertuigen: het voorstel heeft de stelplaats nodig"
                " / no active vehicles: the proposal needs the depot"
            )
            return 2
        areas = rows.bin_areas(conn=conn)
        stored = calendar_of(conn=conn, areas={b.district for b in areas})
        after = ServiceCalendar({**stored.weekdays, **proposal.weekdays})
        print("voorstel / proposal:")
        for line in describe(proposal):
            print(f"  {line}")
        for warning in unserved(after, ((b.id, b.district, b.container_type) for b in areas)):
            print(f"waarschuwing: {warning.message_nl()} / warning: {warning.message_en()}")
        if not args.apply:
            print("niet opgeslagen: gebruik --apply / not stored: use --apply")
            return 0
        for (service, area), days in sorted(proposal.weekdays.items()):
            rows.put(conn=conn, service=service, area=area, weekdays=days, by=getpass.getuser())
        conn.commit()
    print(f"opgeslagen: {len(proposal.weekdays)} gebieden / stored: {len(proposal.weekdays)} areas")
    return 0
