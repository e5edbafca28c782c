"""Hotspot checks on the product's own path: what ``routing.service.plan_day`` offers and takes.

A fresh database with ``--bins`` registered bins of the twin's city and two weeks of simulated
readings (``bench.routing.dump_dispatch.seed_day``), the city's registered hotspots, and eight
weeks of dump reports at each: dumps arrive at the hotspot's rate (the twin's
``Hotspot.dumps_per_week``), its camera reports each with the twin's probability
(``twin.dumping.CAMERA_DETECTS``), a citizen the others, and a crew cleared every one the next
day. No crew has passed any hotspot in the last three days (a fresh database: the most checks
the plan can be offered). The Tuesday is planned with the product's defaults twice, without
and with hotspot checks (``PlanParams.hotspot_checks``); printed: the checks offered and taken,
the plan's stops, vehicles, kilometres and solve time.

    .venv/bin/python -m bench.routing.hotspot_checks --bins 300 --seed 7
"""

from __future__ import annotations

import argparse
import os
import random
import time
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import psycopg

from bench.routing.dump_dispatch import DAY, fresh_database, seed_day
from db import dumps as dump_db
from db import plans as store
from db import sites
from db.conn import drop_database
from routing import dumps
from routing.forecast import BRUSSELS
from routing.service import PlanParams, plan_day
from twin.city import build_city
from twin.dumping import CAMERA_DETECTS

HISTORY_WEEKS = 8


def _history(conn: psycopg.Connection[tuple[object, ...]], bins: int, seed: int) -> int:
    """Register the city's hotspots and their reports of the last weeks; returns the reports."""
    rng = random.Random(seed)
    user = conn.execute("SELECT id FROM users WHERE username = 'bench-crew'").fetchone()
    assert user is not None
    eve = datetime.combine(DAY, datetime.min.time(), BRUSSELS) - timedelta(hours=3)
    count = 0
    for spot in build_city(seed=seed, bins=bins).hotspots:
        sites.insert_hotspot(
            conn=conn,
            row=sites.HotspotRow(
                spot.hotspot_id, spot.name, spot.district, spot.lat, spot.lon, True
            ),
        )
        at = eve - timedelta(weeks=HISTORY_WEEKS)
        while True:
            at += timedelta(weeks=rng.expovariate(spot.dumps_per_week))
            if at >= eve - timedelta(days=3):
                break
            visit = store.insert_fixed_visit(
                conn=conn, day=at.date(), kind="dump", name=spot.name, lat=spot.lat, lon=spot.lon
            )
            camera = rng.random() < CAMERA_DETECTS
            dump_db.insert_report(
                conn=conn,
                source="camera" if camera else "citizen",
                label=f"Sluikstort {spot.name}",
                lat=spot.lat,
                lon=spot.lon,
                reported_at=at.astimezone(UTC),
                due_at=dumps.due_at(at.astimezone(UTC)),
                created_by="bench",
                fixed_visit_id=visit,
            )
            conn.execute(
                """INSERT INTO stop_actions (client_key, user_id, service_date, stop_ref, action,
                                             fill_seen, acted_at)
                   VALUES (gen_random_uuid(), %s, %s, %s, 'done', 'full', %s)""",
                (user[0], at.date(), f"fixed:{visit}", at + timedelta(hours=12)),
            )
            count += 1
    return count


def _run(conn: psycopg.Connection[tuple[object, ...]], *, checks: bool) -> str:
    """Plan the day with or without hotspot checks; one line of what the plan holds."""
    eve = datetime.combine(DAY, datetime.min.time(), BRUSSELS) - timedelta(hours=3)
    started = time.monotonic()
    result = plan_day(
        conn=conn, day=DAY, params=replace(PlanParams(now=eve), hotspot_checks=checks)
    )
    seconds = time.monotonic() - started
    offered = {
        f"fixed:{v.id}": v for v in store.fixed_visits(conn=conn, day=DAY) if v.kind == "check"
    }
    taken = [s for s in store.stops(conn=conn, plan_id=result.plan_id) if s.ref in offered]
    prizes = sorted(v.prize_eur or 0.0 for v in offered.values())
    return (
        f"{'with' if checks else 'without'} checks: {len(offered)} offered "
        f"(prizes {', '.join(f'{p:.1f}' for p in prizes) or '-'} EUR), {len(taken)} on routes; "
        f"{result.planned_stops} stops, {result.vehicles_used} vehicles, "
        f"{result.distance_m / 1000:.1f} km, {seconds:.1f} s"
    )


def main() -> None:
    """Seed the city, then plan the Tuesday without and with hotspot checks."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bins", type=int, default=300)
    parser.add_argument("--seed", type=int, default=7)
    args = parser.parse_args()
    url = fresh_database("nettestad_bench_checks")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            seed_day(conn, args.bins, args.seed)
            reports = _history(conn, args.bins, args.seed)
            print(f"{reports} dump reports over {HISTORY_WEEKS} weeks at the hotspots")
            print(_run(conn, checks=False))
            print(_run(conn, checks=True))
    finally:
        drop_database(url)
    print(f"load average after: {os.getloadavg()[0]:.2f}")


if __name__ == "__main__":
    main()
