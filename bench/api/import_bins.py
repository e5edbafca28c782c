"""Importing 10,000 bins over HTTP, CSV and GeoJSON, with the validation report, on PostgreSQL.

Builds a database of its own, serves the API under uvicorn in a thread, uploads generated files
to ``POST /api/v1/registry/bins/import`` as a coordinator would, and prints the wall time of each
request (parse, check every line, COPY and one upsert, the audit entry, the answer):

- csv, new: 10,000 bins into an empty registry;
- csv, again: the same ids re-imported with changed values (every bin updated in place);
- geojson, again: the same as a FeatureCollection;
- csv, 10 % bad: 10,000 lines of which 1,000 are wrong; the 422 answer carries the report
  (the first 1,000 problems) and nothing is stored.

    .venv/bin/python -m bench.api.import_bins [--bins 10000] [--repeat 3]
"""

from __future__ import annotations

import argparse
import json
import os
import random
import statistics
import threading
import time
import uuid
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path

import httpx
import psycopg
import uvicorn
from pydantic import SecretStr

from api.app import create_app
from api.auth import Role, User, open_session
from api.registry_io import bins_csv, bins_geojson
from api.settings import ApiSettings
from db.bins import BinRecord
from db.conn import drop_database, with_database
from db.migrate import upgrade

SERVER = os.environ.get(
    "NETTESTAD_BENCH_SERVER_URL", "postgresql://nettestad:nettestad@localhost:5432/postgres"
)
SECRET = "bench-secret-key-not-for-production"  # noqa: S105 - a throwaway key for a throwaway database
TYPES = ("street_bin", "underground", "glass", "dog_waste", "cigarette")


def city(n: int, rng: random.Random, *, version: int) -> list[BinRecord]:
    """``n`` bins around Kortrijk; ``version`` changes names and thresholds, not ids."""
    return [
        BinRecord(
            id=f"kor-{i:05d}",
            name=f"Straat {i} ({version})",
            district=f"Wijk {i % 12}",
            place_type=("street", "park", "market", "school")[i % 4],
            container_type=TYPES[i % 5],
            category="fixed",
            volume_l=120 if i % 5 == 0 else 1000,
            depth_mm=900,
            lat=round(50.78 + rng.random() * 0.1, 6),
            lon=round(3.20 + rng.random() * 0.15, 6),
            threshold=round(0.6 + 0.3 * rng.random(), 2),
            active=True,
        )
        for i in range(n)
    ]


def spoiled(text: str, every: int) -> str:
    """Every ``every``-th line gets an impossible latitude."""
    lines = text.splitlines()
    for i in range(1, len(lines), every):
        cells = lines[i].split(",")
        cells[8] = "95.5"
        lines[i] = ",".join(cells)
    return "\n".join(lines) + "\n"


def loadavg() -> str:
    """The 1, 5 and 15 minute load averages."""
    return " ".join(Path("/proc/loadavg").read_text(encoding="ascii").split()[:3])


def token(url: str) -> str:
    """A coordinator's session."""
    with psycopg.connect(url) as conn:
        row = conn.execute(
            """INSERT INTO users (username, display_name, role, password_hash)
               VALUES ('bench', 'Bench', 'coordinator', 'x') RETURNING id"""
        ).fetchone()
        assert row is not None
        user = User(int(row[0]), "bench", "Bench", Role.COORDINATOR)
        value, _ = open_session(conn=conn, user=user, secret_key=SECRET, ttl=timedelta(hours=1))
        return value


def timed(call: Callable[[], httpx.Response], expect: int) -> tuple[float, httpx.Response]:
    """Seconds one request took, checking its status."""
    start = time.perf_counter()
    answer = call()
    elapsed = time.perf_counter() - start
    assert answer.status_code == expect, answer.text[:300]
    return elapsed, answer


def main() -> None:
    """Run the measurements and print them."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--bins", type=int, default=10_000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    rng = random.Random(20261205)
    url = with_database(SERVER, f"nettestad_bench_import_{uuid.uuid4().hex[:8]}")
    upgrade(url)
    try:
        bearer = {"Authorization": f"Bearer {token(url)}"}
        settings = ApiSettings(
            database_url=SecretStr(url), secret_key=SecretStr(SECRET), pool_min=1, pool_max=4
        )
        server = uvicorn.Server(
            uvicorn.Config(create_app(settings), host="127.0.0.1", port=0, log_level="warning")
        )
        thread = threading.Thread(target=server.run, daemon=True)
        thread.start()
        deadline = time.monotonic() + 30
        while not server.started:
            if time.monotonic() > deadline:
                raise SystemExit("uvicorn did not start")
            time.sleep(0.05)
        port = server.servers[0].sockets[0].getsockname()[1]
        endpoint = f"http://127.0.0.1:{port}/api/v1/registry/bins/import"
        first = bins_csv(city(args.bins, rng, version=1)).encode()
        again = bins_csv(city(args.bins, rng, version=2)).encode()
        geo = json.dumps(bins_geojson(city(args.bins, rng, version=3))).encode()
        bad = spoiled(bins_csv(city(args.bins, rng, version=4)), 10).encode()

        def upload(name: str, data: bytes) -> Callable[[], httpx.Response]:
            return lambda: httpx.post(
                endpoint, files={"file": (name, data)}, headers=bearer, timeout=120
            )

        print(f"{args.bins} bins; load average before: {loadavg()}")
        print(f"csv file {len(first) / 1e6:.2f} MB, geojson file {len(geo) / 1e6:.2f} MB")
        seconds, answer = timed(upload("bins.csv", first), 200)
        assert answer.json()["created"] == args.bins
        print(f"csv, new:       {seconds:6.2f} s  ({answer.json()['message']})")
        cases = [
            ("csv, again", upload("bins.csv", again), 200),
            ("geojson, again", upload("bins.geojson", geo), 200),
            ("csv, 10 % bad", upload("bins.csv", bad), 422),
        ]
        for label, call, status in cases:
            runs = []
            for _ in range(args.repeat):
                seconds, answer = timed(call, status)
                runs.append(seconds)
            body = answer.json()
            note = body["message"] if status == 200 else body["detail"]["message"]
            print(
                f"{label + ':':15} {statistics.median(runs):6.2f} s median, "
                f"{max(runs):.2f} s max of {len(runs)}  ({note})"
            )
        print(f"load average after: {loadavg()}")
        server.should_exit = True
        thread.join(15)
    finally:
        drop_database(url)


if __name__ == "__main__":
    main()
