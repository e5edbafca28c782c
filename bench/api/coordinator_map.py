"""The coordinators' map with 10,000 bins, loaded in Chromium: how long until it is usable.

Builds a database of its own (10,000 bins across 12 districts, a reading each), starts the API
under uvicorn in a subprocess, logs a coordinator in with headless Chromium and opens
``/coordinator`` ``--runs`` times. Per run it reports, from the navigation's start (the page's
own clock): the map's data answered (``/api/v1/coordinator/map``), the clustered map drawn
(the first cluster icons in the DOM) and the whole page ready (``body[data-ready]``: map, bin
list, figures, planning and health loaded). The tile server is unreachable on purpose, as on a
machine without internet: the map must not wait for it.

    .venv/bin/python -m bench.api.coordinator_map [--bins 10000] [--runs 5]
"""

from __future__ import annotations

import argparse
import os
import random
import socket
import statistics
import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import psycopg

from api.auth import Role, create_user
from db.conn import drop_database, with_database
from db.migrate import upgrade

SERVER = os.environ.get(
    "NETTESTAD_BENCH_SERVER_URL", "postgresql://nettestad:nettestad@localhost:5432/postgres"
)
SECRET = "bench-secret-key-not-for-production"  # noqa: S105 - a throwaway key for a throwaway database
PASSWORD = "bench password for the map"  # noqa: S105 - a throwaway account in a throwaway database
CHROMIUM = Path("/usr/bin/chromium")
DISTRICTS = (
    "Kortrijk",
    "Aalbeke",
    "Bellegem",
    "Bissegem",
    "Heule",
    "Kooigem",
    "Marke",
    "Rollegem",
    "Bellegem-Zuid",
    "Overleie",
    "Lange Munte",
    "Sint-Jan",
)
TYPES = ("street_bin", "underground", "glass", "dog_waste", "cigarette")


def seed(url: str, bins: int, rng: random.Random) -> None:
    """Bins spread over the city's area, each with one recent reading, and a coordinator."""
    now = datetime.now(UTC)
    with psycopg.connect(url) as conn:
        with conn.cursor() as cur:
            rows = [
                (
                    f"b{i:05d}",
                    f"Straat {i}",
                    DISTRICTS[i % len(DISTRICTS)],
                    TYPES[i % len(TYPES)],
                    50.77 + rng.random() * 0.11,
                    3.20 + rng.random() * 0.16,
                )
                for i in range(bins)
            ]
            cur.executemany(
                """INSERT INTO bins (id, name, district, container_type, volume_l, depth_mm,
                                     lat, lon)
                   VALUES (%s, %s, %s, %s, 120, 900, %s, %s)""",
                rows,
            )
            cur.executemany(
                "INSERT INTO devices (id, kind, bin_id) VALUES (%s, 'fill_sensor', %s)",
                [(f"fs-{r[0]}", r[0]) for r in rows],
            )
            cur.executemany(
                """INSERT INTO fill_readings (device_id, bin_id, ts, seq, filling_level, quality,
                                              status)
                   VALUES (%s, %s, %s, 1, %s, 'ok', 'ok')""",
                [
                    (f"fs-{r[0]}", r[0], now - timedelta(minutes=rng.randint(1, 120)), rng.random())
                    for r in rows
                ],
            )
        create_user(conn=conn, username="coordinator", password=PASSWORD, role=Role.COORDINATOR)
        conn.commit()


def serve(url: str) -> tuple[subprocess.Popen[bytes], str]:
    """The API under uvicorn (one worker) with an unreachable tile server."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    env = {
        **os.environ,
        "NETTESTAD_DATABASE_URL": url,
        "NETTESTAD_SECRET_KEY": SECRET,
        "NETTESTAD_MAP_TILES_URL": "http://127.0.0.1:9/{z}/{x}/{y}.png",
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
                return proc, base
        except httpx.HTTPError:
            pass
        if time.monotonic() > deadline:
            proc.terminate()
            raise RuntimeError("the API did not start")
        time.sleep(0.2)  # waiting for uvicorn to answer, bounded by the deadline


def measure(base: str, runs: int) -> list[dict[str, float]]:
    """Open the coordinator page ``runs`` times; milliseconds from the navigation's start."""
    from playwright.sync_api import sync_playwright

    results = []
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=str(CHROMIUM), args=["--no-sandbox", "--headless", "--disable-gpu"]
        )
        context = browser.new_context(viewport={"width": 1400, "height": 1000})
        page = context.new_page()
        page.goto(f"{base}/login")
        page.fill("input[name=username]", "coordinator")
        page.fill("input[name=password]", PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url("**/coordinator")
        page.wait_for_selector("body[data-ready=true]", timeout=60_000)
        for _ in range(runs):
            page.goto(f"{base}/coordinator", wait_until="commit")
            page.wait_for_function(
                "() => document.querySelector('.marker-cluster') !== null", timeout=60_000
            )
            drawn = page.evaluate("() => performance.now()")
            page.wait_for_selector("body[data-ready=true]", timeout=60_000)
            ready = page.evaluate("() => performance.now()")
            answered = page.evaluate(
                """() => {
                    const e = performance.getEntriesByType("resource")
                      .find((r) => r.name.endsWith("/api/v1/coordinator/map"));
                    return e ? e.responseEnd : null;
                }"""
            )
            clusters = page.locator(".marker-cluster").count()
            results.append(
                {
                    "map_data_ms": float(answered or 0),
                    "map_drawn_ms": float(drawn),
                    "page_ready_ms": float(ready),
                    "clusters": float(clusters),
                }
            )
        browser.close()
    return results


def main() -> int:
    """Seed, serve, measure in Chromium, clean up."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bins", type=int, default=10_000)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    url = with_database(SERVER, f"nettestad_bench_map_{uuid.uuid4().hex[:8]}")
    upgrade(url)
    proc = None
    try:
        started = time.perf_counter()
        seed(url, args.bins, random.Random(42))
        print(f"seeded {args.bins} bins in {time.perf_counter() - started:.1f} s")
        proc, base = serve(url)
        size = len(
            httpx.post(
                f"{base}/api/v1/auth/login",
                json={"username": "coordinator", "password": PASSWORD},
            ).text
        )
        assert size > 0
        results = measure(base, args.runs)
        for i, r in enumerate(results, 1):
            print(
                f"run {i}: map data {r['map_data_ms']:.0f} ms, clustered map drawn "
                f"{r['map_drawn_ms']:.0f} ms, page ready {r['page_ready_ms']:.0f} ms, "
                f"{r['clusters']:.0f} clusters on screen"
            )
        for key in ("map_data_ms", "map_drawn_ms", "page_ready_ms"):
            values = [r[key] for r in results]
            print(f"{key}: median {statistics.median(values):.0f} ms, max {max(values):.0f} ms")
        print(f"load average: {os.getloadavg()[0]:.1f}")
    finally:
        if proc is not None:
            proc.terminate()
            proc.wait(timeout=20)
        drop_database(url)
    return 0


if __name__ == "__main__":
    sys.exit(main())
