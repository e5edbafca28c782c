"""Route sheets under load and the one-bin one-year trend, against the real API on PostgreSQL.

Builds a city in a database of its own (600 bins, 100 vehicles each with a 20-stop plan for today,
100 crew accounts, a year of hourly readings and their daily aggregates for one bin), starts the
API under uvicorn in a subprocess, and measures:

- steady: 100 crews, each refreshing its sheet every ``--interval`` seconds (randomly phased), as
  the app does when it polls; p50/p95/p99 latency;
- burst: all 100 crews at the same instant, repeated; the worst case;
- trend: one bin's daily fill over a year (the coordinators' trend view), sequentially.

    .venv/bin/python -m bench.api.load [--interval 2] [--duration 20] [--workers 2]
"""

from __future__ import annotations

import argparse
import asyncio
import os
import random
import socket
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta

import httpx
import psycopg

from api.auth import Role, User, open_session
from api.route_sheet import today_in_brussels
from db.conn import drop_database, with_database
from db.migrate import upgrade

SERVER = os.environ.get(
    "NETTESTAD_BENCH_SERVER_URL", "postgresql://nettestad:nettestad@localhost:5432/postgres"
)
SECRET = "bench-secret-key-not-for-production"  # noqa: S105 - a throwaway key for a throwaway database
CREWS = 100
BINS = 600
STOPS = 20


def seed(url: str, rng: random.Random) -> tuple[list[str], str]:
    """The city, plans, sessions and a year of one bin's history; returns tokens and that bin."""
    day = today_in_brussels()
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    with psycopg.connect(url) as conn:
        with conn.cursor() as cur:
            cur.executemany(
                """INSERT INTO bins (id, name, district, container_type, volume_l, depth_mm, lat, lon)
                   VALUES (%s, %s, %s, 'street_bin', 120, 900, %s, %s)""",
                [
                    (
                        f"b{i:04d}",
                        f"Straat {i}",
                        f"Wijk {i % 9}",
                        50.80 + rng.random() * 0.06,
                        3.22 + rng.random() * 0.1,
                    )
                    for i in range(BINS)
                ],
            )
            cur.executemany(
                "INSERT INTO vehicles (id, name, depot_id, capacity_l, capacity_kg) VALUES (%s, %s, 'depot-kortrijk', 12000, 2500)",
                [(f"vb{v:03d}", f"Wagen {v}") for v in range(CREWS)],
            )
            plan_id = cur.execute(
                "INSERT INTO plans (day, objective, distance_m, solve_s) VALUES (%s, 1, 1, 1) RETURNING id",
                (day,),
            ).fetchone()[0]  # type: ignore[index]  # RETURNING yields a row
            cur.executemany(
                "INSERT INTO plan_routes (plan_id, vehicle_id, start_at, end_at, distance_m) VALUES (%s, %s, %s, %s, 30000)",
                [(plan_id, f"vb{v:03d}", now, now + timedelta(hours=7)) for v in range(CREWS)],
            )
            cur.executemany(
                """INSERT INTO plan_stops (plan_id, vehicle_id, seq, kind, ref, name, lat, lon, arrival_at,
                                           start_at, end_at, load_l, load_kg, predicted_fill)
                   VALUES (%s, %s, %s, 'bin', %s, %s, 50.82, 3.26, %s, %s, %s, 100, 12, 0.8)""",
                [
                    (
                        plan_id,
                        f"vb{v:03d}",
                        s + 1,
                        f"b{(v * STOPS + s) % BINS:04d}",
                        f"Straat {s}",
                        now + timedelta(minutes=15 * s),
                        now + timedelta(minutes=15 * s),
                        now + timedelta(minutes=15 * s + 2),
                    )
                    for v in range(CREWS)
                    for s in range(STOPS)
                ],
            )
            cur.execute(
                "INSERT INTO devices (id, kind, bin_id) VALUES ('fs-b0000', 'fill_sensor', 'b0000')"
            )
            hours = [now - timedelta(hours=h) for h in range(365 * 24)]
            with cur.copy(
                "COPY fill_readings (device_id, bin_id, ts, seq, filling_level, quality, status) FROM STDIN"
            ) as copy:
                for i, ts in enumerate(hours):
                    copy.write_row(("fs-b0000", "b0000", ts, i, (i % 48) / 48, "ok", "ok"))
            # What ingest keeps up to date on the plain path (continuous aggregates with TimescaleDB).
            for table, unit in (("fill_hourly", "hour"), ("fill_daily", "day")):
                cur.execute(
                    f"""INSERT INTO {table} (bin_id, bucket, readings, fill_n, fill_sum, fill_min, fill_max,
                                             temperature_max, battery_min)
                        SELECT bin_id, date_trunc('{unit}', ts, 'Europe/Brussels'), count(*), count(filling_level),
                               sum(filling_level), min(filling_level), max(filling_level), max(temperature_c),
                               min(battery_v)
                        FROM fill_readings GROUP BY 1, 2"""  # noqa: S608 - constant table names
                )
        tokens = []
        for v in range(CREWS):
            user_id = conn.execute(
                "INSERT INTO users (username, display_name, role, password_hash, vehicle_id) VALUES (%s, %s, 'crew', 'x', %s) RETURNING id",
                (f"crew{v:03d}", f"Ploeg {v}", f"vb{v:03d}"),
            ).fetchone()[0]  # type: ignore[index]  # RETURNING yields a row
            token, _ = open_session(
                conn=conn,
                user=User(int(user_id), f"crew{v:03d}", "", Role.CREW, f"vb{v:03d}"),
                secret_key=SECRET,
                ttl=timedelta(hours=2),
            )
            tokens.append(token)
        coordinator = conn.execute(
            "INSERT INTO users (username, display_name, role, password_hash) VALUES ('coord', 'C', 'coordinator', 'x') RETURNING id"
        ).fetchone()[0]  # type: ignore[index]  # RETURNING yields a row
        coord_token, _ = open_session(
            conn=conn,
            user=User(int(coordinator), "coord", "", Role.COORDINATOR),
            secret_key=SECRET,
            ttl=timedelta(hours=2),
        )
        conn.execute("ANALYZE")
    return tokens, coord_token


def pct(values: list[float], p: float) -> float:
    """The p-th percentile in milliseconds."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(p / 100 * (len(ordered) - 1)))] * 1000


def report(name: str, values: list[float], wall: float) -> None:
    """Print one line of numbers."""
    print(
        f"{name:<34} n={len(values):>5}  p50={pct(values, 50):6.1f} ms  p95={pct(values, 95):6.1f} ms  "
        f"p99={pct(values, 99):6.1f} ms  max={max(values) * 1000:6.1f} ms  {len(values) / wall:6.0f} req/s"
    )


async def steady(base: str, tokens: list[str], interval: float, duration: float) -> list[float]:
    """Each crew refreshes every ``interval`` s, phases spread at random."""
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=len(tokens), max_keepalive_connections=len(tokens))
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def crew(token: str, phase: float) -> None:
            await asyncio.sleep(phase)
            end = time.monotonic() + duration
            while time.monotonic() < end:
                t0 = time.perf_counter()
                r = await client.get(
                    "/api/v1/crew/route", headers={"Authorization": f"Bearer {token}"}
                )
                latencies.append(time.perf_counter() - t0)
                assert r.status_code == 200, r.text[:200]
                assert len(r.json()["stops"]) == STOPS
                await asyncio.sleep(max(0.0, interval - (time.perf_counter() - t0)))

        rng = random.Random(7)
        await asyncio.gather(*(crew(t, rng.random() * interval) for t in tokens))
    return latencies


async def burst(base: str, tokens: list[str], rounds: int) -> list[float]:
    """All crews at the same instant, ``rounds`` times."""
    latencies: list[float] = []
    limits = httpx.Limits(max_connections=len(tokens), max_keepalive_connections=len(tokens))
    async with httpx.AsyncClient(base_url=base, limits=limits, timeout=30) as client:

        async def one(token: str) -> None:
            t0 = time.perf_counter()
            r = await client.get("/api/v1/crew/route", headers={"Authorization": f"Bearer {token}"})
            latencies.append(time.perf_counter() - t0)
            assert r.status_code == 200

        for _ in range(rounds):
            await asyncio.gather(*(one(t) for t in tokens))
            await asyncio.sleep(0.5)
    return latencies


def sequential(base: str, path: str, token: str | None, n: int) -> list[float]:
    """One request at a time: the service time without queueing (``/health`` is the floor)."""
    headers = {"Authorization": f"Bearer {token}"} if token else {}
    latencies = []
    with httpx.Client(base_url=base, headers=headers, timeout=30) as client:
        for _ in range(n):
            t0 = time.perf_counter()
            try:
                r = client.get(path)
            except httpx.TransportError:  # a kept-alive connection the server closed: reconnect
                t0 = time.perf_counter()
                r = client.get(path)
            latencies.append(time.perf_counter() - t0)
            assert r.status_code == 200, r.text[:200]
    return latencies


def trend(base: str, token: str, n: int) -> list[float]:
    """The coordinators' one-bin one-year trend, one request at a time."""
    end = datetime.now(UTC)
    params = {
        "resolution": "day",
        "start": (end - timedelta(days=365)).isoformat(),
        "end": end.isoformat(),
    }
    latencies = []
    with httpx.Client(
        base_url=base, headers={"Authorization": f"Bearer {token}"}, timeout=30
    ) as client:
        for _ in range(n):
            t0 = time.perf_counter()
            r = client.get("/api/v1/trends/bins/b0000", params=params)
            latencies.append(time.perf_counter() - t0)
            assert r.status_code == 200, r.text[:200]
            assert len(r.json()["buckets"]) >= 365
    return latencies


def main() -> int:
    """Seed, serve, measure, clean up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument(
        "--interval", type=float, default=2.0, help="seconds between one crew's refreshes"
    )
    parser.add_argument("--duration", type=float, default=20.0)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--bursts", type=int, default=10)
    args = parser.parse_args()
    url = with_database(SERVER, f"nettestad_bench_api_{uuid.uuid4().hex[:8]}")
    upgrade(url)
    proc = None
    try:
        started = time.perf_counter()
        tokens, coord = seed(url, random.Random(42))
        print(
            f"seeded {BINS} bins, {CREWS} crews x {STOPS} stops, 8760 readings in {time.perf_counter() - started:.1f} s"
        )
        with socket.socket() as s:
            s.bind(("127.0.0.1", 0))
            port = s.getsockname()[1]
        env = {
            **os.environ,
            "NETTESTAD_DATABASE_URL": url,
            "NETTESTAD_SECRET_KEY": SECRET,
            "NETTESTAD_POOL_MAX": "20",
        }
        proc = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "uvicorn",
                "api.app:create_app",
                "--factory",
                "--port",
                str(port),
                "--workers",
                str(args.workers),
                "--log-level",
                "warning",
                "--no-access-log",
            ],
            env=env,
        )
        base = f"http://127.0.0.1:{port}"
        deadline = time.monotonic() + 30
        while True:
            try:
                if httpx.get(f"{base}/health", timeout=1).status_code == 200:
                    break
            except httpx.HTTPError:
                pass
            if time.monotonic() > deadline:
                raise RuntimeError("the API did not start")
            time.sleep(0.2)
        for name, path, token in (
            ("health, one at a time (floor)", "/health", None),
            ("route sheet, one at a time", "/api/v1/crew/route", tokens[0]),
        ):
            t0 = time.perf_counter()
            values = sequential(base, path, token, 100)
            report(name, values, time.perf_counter() - t0)
        asyncio.run(steady(base, tokens, args.interval, 3))  # warm-up: pools, caches, plans
        print(
            f"uvicorn workers: {args.workers}; crews: {CREWS}; refresh interval {args.interval} s"
        )
        t0 = time.perf_counter()
        values = asyncio.run(steady(base, tokens, args.interval, args.duration))
        report("route sheet, steady (100 crews)", values, time.perf_counter() - t0)
        t0 = time.perf_counter()
        values = asyncio.run(burst(base, tokens, args.bursts))
        report("route sheet, burst (100 at once)", values, time.perf_counter() - t0)
        t0 = time.perf_counter()
        values = trend(base, coord, 100)
        report("trend, one bin, one year (daily)", values, time.perf_counter() - t0)
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(20)
        drop_database(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
