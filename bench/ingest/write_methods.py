"""Compare how readings travel into PostgreSQL: COPY, multi-row VALUES, executemany.

Each method stores the same batches through ``db.readings.insert_readings`` (idempotent insert,
hourly and daily summaries on plain PostgreSQL) into a database of its own, and the run prints
readings per second. Usage:

    .venv/bin/python -m bench.ingest.write_methods [--readings 200000] [--batch 10000]
"""

from __future__ import annotations

import argparse
import statistics
import time
from datetime import UTC, datetime, timedelta

from contracts.payloads import FillReading
from db.conn import connect, drop_database, with_database
from db.migrate import upgrade, uses_timescale
from db.readings import ReadingRow, WriteMethod, insert_readings, prepare_connection

SERVER = "postgresql://nettestad:nettestad@localhost:5432/postgres"


def rows(total: int, devices: int) -> list[ReadingRow]:
    """Readings spread over ``devices`` sensors, 15 minutes apart, as a city sends them."""
    start = datetime(2026, 11, 1, tzinfo=UTC)
    out = []
    for i in range(total):
        device, seq = i % devices, i // devices
        reading = FillReading(
            seq=seq,
            ts=start + timedelta(minutes=15 * seq),
            distance_mm=500 + i % 300,
            filling_level=(i % 100) / 100,
            temperature_c=9.5,
            battery_v=3.6,
            rssi_dbm=-80,
        )
        out.append(ReadingRow.of(f"fill-{device:05d}", f"KRT-{device:05d}", reading))
    return out


def measure(method: WriteMethod, data: list[ReadingRow], batch: int, server: str) -> float:
    """Readings per second for one method, into a fresh database."""
    url = with_database(server, f"nettestad_bench_write_{method.value}")
    drop_database(url)
    upgrade(url)
    try:
        with connect(url) as conn:
            summaries = not uses_timescale(conn)
            prepare_connection(conn=conn)
            started = time.perf_counter()
            for i in range(0, len(data), batch):
                with conn.transaction():
                    insert_readings(
                        conn=conn, rows=data[i : i + batch], summaries=summaries, method=method
                    )
            elapsed = time.perf_counter() - started
            stored = conn.execute("SELECT count(*) FROM fill_readings").fetchone()
            assert stored is not None
            assert stored[0] == len(data), stored
        return len(data) / elapsed
    finally:
        drop_database(url)


def main() -> None:
    """Run every method, interleaved over several rounds (the cores are shared), and print the
    median and every round."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=200_000)
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--batch", type=int, default=10_000)
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--server", default=SERVER)
    args = parser.parse_args()
    data = rows(args.readings, args.devices)
    print(f"{args.readings} readings in batches of {args.batch}, summaries maintained")
    rates: dict[WriteMethod, list[float]] = {m: [] for m in WriteMethod}
    for _ in range(args.rounds):
        for method in WriteMethod:
            rates[method].append(measure(method, data, args.batch, args.server))
    for method, values in rates.items():
        rounds = ", ".join(f"{v:,.0f}" for v in values)
        print(
            f"{method.value:12s} median {statistics.median(values):10,.0f} readings/s  ({rounds})"
        )


if __name__ == "__main__":
    main()
