"""Same-day dump clearing on a city day: how long a report takes to reach a route, and when it is due.

A fresh database with ``--bins`` registered bins and two weeks of simulated readings; the
Tuesday is planned with the product's defaults (``routing.service.plan_day``). During the
shift, dumps are reported one after another at ``--reports`` times spread between 06:30 and
13:30 (Brussels); before each report the crews have done every stop the current plan had
finished by then (stop actions, as their phones send them). Each report goes through
``routing.dumps.dispatch``, the code path the API runs. Printed per report: seconds the
dispatch took (the re-plan included), whether it went onto a route, the planned arrival, and
hours from report to arrival, and why a report waits for the next plan.

    .venv/bin/python -m bench.routing.dump_dispatch --bins 300 --reports 8
"""

from __future__ import annotations

import argparse
import os
import random
import statistics
import time
import uuid
from datetime import UTC, date, datetime, timedelta

import psycopg

from db import dumps as dump_db
from db import plans as store
from db.conn import drop_database, ensure_database, with_database
from db.migrate import upgrade
from routing import dumps
from routing.fillsim import history, make_bin
from routing.forecast import BRUSSELS
from routing.service import PlanParams, plan_day
from twin.city import generate_bins
from twin.registry import upsert_bins

SERVER = os.environ.get(
    "NETTESTAD_BENCH_SERVER_URL", "postgresql://nettestad:nettestad@localhost:5432/postgres"
)
DAY = date(2026, 3, 10)  # a Tuesday


def fresh_database(name: str) -> str:
    """An empty, migrated database ``name`` on the bench's server (dropped first); its URL."""
    url = with_database(SERVER, name)
    drop_database(url)
    ensure_database(url)
    upgrade(url)
    return url


def seed_day(conn: psycopg.Connection[tuple[object, ...]], bins: int, seed: int) -> None:
    """Register ``bins`` bins of the twin's city for ``seed`` with two weeks of readings before
    the eve of ``DAY``, and a crew account for the stop actions."""
    eve = datetime.combine(DAY, datetime.min.time(), BRUSSELS) - timedelta(hours=3)
    sites = generate_bins(bins, seed=seed)
    upsert_bins(conn=conn, sites=sites)
    rng = random.Random(seed)
    rows = []
    for site in sites:
        sim = make_bin(random.Random(rng.random()))
        for seq, (ts, level) in enumerate(
            history(sim, start=eve - timedelta(days=14), until=eve), start=1
        ):
            rows.append((site.device_id, site.bin_id, ts, seq, level))
    with conn.cursor() as cur:
        cur.executemany(
            """INSERT INTO fill_readings (device_id, bin_id, ts, seq, filling_level, quality, status)
               VALUES (%s, %s, %s, %s, %s, 'ok', 'ok')""",
            rows,
        )
    conn.execute(
        """INSERT INTO users (username, display_name, role, password_hash)
           VALUES ('bench-crew', 'Ploeg', 'crew', 'x')"""
    )


def _crews_work_until(conn: psycopg.Connection[tuple[object, ...]], now: datetime) -> int:
    """Every stop of the active plan finished by ``now`` is reported done, as the phones would."""
    plan_id = conn.execute(
        "SELECT id FROM plans WHERE day = %s AND state = 'active'", (DAY,)
    ).fetchone()
    assert plan_id is not None
    user = conn.execute("SELECT id FROM users WHERE username = 'bench-crew'").fetchone()
    assert user is not None
    done = 0
    for s in store.stops(conn=conn, plan_id=int(str(plan_id[0]))):
        if s.kind == "unload" or s.state == "done" or s.end_at > now:
            continue
        ref = f"bin:{s.ref}" if s.kind == "bin" else s.ref
        conn.execute(
            """INSERT INTO stop_actions (client_key, user_id, service_date, stop_ref, bin_id,
                                         action, fill_seen, acted_at)
               VALUES (%s, %s, %s, %s, %s, 'done', %s, %s)""",
            (
                uuid.uuid4(),
                user[0],
                DAY,
                ref,
                s.ref if s.kind == "bin" else None,
                "full" if s.kind == "bin" else None,
                s.end_at,
            ),
        )
        done += 1
    return done


def main() -> None:
    """Run the day and print one line per report, then the summary."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bins", type=int, default=300)
    parser.add_argument("--reports", type=int, default=8)
    parser.add_argument("--seed", type=int, default=3)
    args = parser.parse_args()
    url = fresh_database("nettestad_bench_dumps")
    print(f"load average before: {os.getloadavg()[0]:.2f}")
    with psycopg.connect(url, autocommit=True) as conn:
        seed_day(conn, args.bins, args.seed)
        eve = datetime.combine(DAY, datetime.min.time(), BRUSSELS) - timedelta(hours=3)
        started = time.monotonic()
        morning = plan_day(conn=conn, day=DAY, params=PlanParams(now=eve))
        print(
            f"morning plan: {morning.planned_stops} stops, {morning.vehicles_used} vehicles, "
            f"{morning.distance_m / 1000:.1f} km, {time.monotonic() - started:.1f} s"
        )
        rng = random.Random(args.seed)
        first = datetime.combine(DAY, datetime.min.time(), BRUSSELS) + timedelta(hours=6.5)
        span = timedelta(hours=7) / max(args.reports - 1, 1)
        took, lead, placed = [], [], 0
        print("report  local  done-so-far  dispatch_s  where      eta    h-to-eta")
        for k in range(args.reports):
            at = (first + span * k).astimezone(UTC)
            crews_done = _crews_work_until(conn, at)
            report_id, _ = dump_db.insert_report(
                conn=conn,
                source="citizen",
                label=f"Sluikstort bench {k + 1}",
                lat=50.80 + rng.uniform(0, 0.06),
                lon=3.22 + rng.uniform(0, 0.10),
                reported_at=at,
                due_at=dumps.due_at(at),
                created_by="bench",
            )
            t0 = time.monotonic()
            result = dumps.dispatch(conn=conn, report_id=report_id, now=at)
            seconds = time.monotonic() - t0
            took.append(seconds)
            eta = "-"
            hours = "-"
            if result.eta is not None:
                placed += 1
                eta = f"{result.eta.astimezone(BRUSSELS):%H:%M}"
                h = (result.eta - at).total_seconds() / 3600
                lead.append(h)
                hours = f"{h:.1f}"
            local = at.astimezone(BRUSSELS)
            why = ""
            if result.eta is None:
                left = conn.execute(
                    """SELECT u.reason_code, u.reason FROM plan_unplanned u
                       JOIN plans p ON p.id = u.plan_id AND p.state = 'active'
                       JOIN dump_reports r ON u.ref = 'fixed:' || r.fixed_visit_id
                       WHERE r.id = %s""",
                    (report_id,),
                ).fetchone()
                why = f"  ({result.note}; {left[0]}: {left[1]})" if left else f"  ({result.note})"
            print(
                f"{k + 1:>6}  {local:%H:%M}  {crews_done:>11}  {seconds:>10.1f}  "
                f"{result.dispatch:<9}  {eta:>5}  {hours:>8}{why}"
            )
        print(
            f"on a route the same day: {placed}/{args.reports}; dispatch s median "
            f"{statistics.median(took):.1f}, max {max(took):.1f}; hours report->arrival median "
            f"{statistics.median(lead) if lead else float('nan'):.1f}, max "
            f"{max(lead) if lead else float('nan'):.1f}"
        )
    print(f"load average after: {os.getloadavg()[0]:.2f}")
    drop_database(url)


if __name__ == "__main__":
    main()
