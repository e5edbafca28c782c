"""The writer path alone: the batches ``bench.ingest.run`` publishes, fed straight to
``BatchWriter.write`` (decode, plan, readings, summaries, device health, commit), no broker.

Separates what ingest and PostgreSQL cost from what MQTT and the publishers cost; with
``--profile`` it prints a cProfile of the run (cumulative time, top entries).

    .venv/bin/python -m bench.ingest.writer_path [--readings 200000] [--batch 1000] [--profile]
        [--bad-every 100] [--poisoned 10]

``--bad-every N`` mixes one bad input (cycling through ``tests/fixtures/mqtt_bad_inputs.json``)
after every N healthy messages; ``--poisoned K`` gives K devices a stored state the database
cannot read back, so their messages are refused and isolated. The readings/s printed count the
healthy readings only, so runs with and without bad input compare how much the bad input slows
the healthy devices.
"""

from __future__ import annotations

import argparse
import cProfile
import itertools
import pstats
import time
from datetime import UTC, datetime
from typing import Any

from bench.ingest.run import SERVER, TOPIC_ROOT, _ticks, payload
from contracts.topics import UpKind, up_topic
from db.conn import connect, drop_database, with_database
from db.migrate import upgrade
from ingest.classify import Inbound
from ingest.writer import BatchWriter
from twin.city import generate_bins
from twin.registry import upsert_bins


def main() -> None:
    """Write the batches and print readings/s (database time included)."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=200_000)
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--per-message", type=int, default=10)
    parser.add_argument("--batch", type=int, default=1000, help="messages per transaction")
    parser.add_argument("--profile", action="store_true")
    parser.add_argument("--server", default=SERVER)
    parser.add_argument("--bad-every", type=int, default=0, help="a bad input every N messages")
    parser.add_argument("--poisoned", type=int, default=0, help="devices the database refuses")
    args = parser.parse_args()
    url = with_database(args.server, "nettestad_bench_writer_path")
    drop_database(url)
    upgrade(url)
    sites = generate_bins(args.devices, seed=5)
    with connect(url) as conn:
        upsert_bins(conn=conn, sites=sites)
    now = datetime.now(UTC)
    healthy = [
        Inbound(
            up_topic(s.device_id, UpKind.READING, root=TOPIC_ROOT),
            payload(s.device_id, m * args.per_message, args.per_message),
            now,
            qos=1,
        )
        for m in range(args.readings // (args.devices * args.per_message))
        for s in sites
    ]
    messages = _mix(
        healthy, url, now, bad_every=args.bad_every, poisoned=args.poisoned, sites=sites
    )
    writer = BatchWriter(database_url=url, root=TOPIC_ROOT, stop=lambda: False)
    profile = cProfile.Profile() if args.profile else None
    try:
        assert writer.write(messages[:1])  # connects; the first message is stored again below
        with connect(url) as conn:
            backend = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            ).fetchone()
        assert backend is not None
        server_pid = int(backend[0])  # type: ignore[call-overload]  # pid is an integer
        server_began = _ticks(server_pid)
        cpu_began = time.process_time()
        started = time.perf_counter()
        if profile:
            profile.enable()
        for i in range(0, len(messages), args.batch):
            assert writer.write(messages[i : i + args.batch])
        if profile:
            profile.disable()
        elapsed = time.perf_counter() - started
        cpu = time.process_time() - cpu_began
        server = _ticks(server_pid) - server_began
        total = len(healthy) * args.per_message
        print(
            f"{total:,} healthy readings in {len(healthy):,} messages plus "
            f"{len(messages) - len(healthy):,} bad ones, {args.poisoned} poisoned device(s), "
            f"{args.batch} per transaction: {elapsed:.2f} s, {total / elapsed:,.0f} healthy "
            f"readings/s; stored {writer.stats.stored_readings:,}, dead letters "
            f"{writer.stats.dead_letters:,}, transactions {writer.stats.batches:,}, isolations "
            f"{writer.stats.isolations:,}; CPU per reading: writer "
            f"{cpu / total * 1e6:.1f} us, PostgreSQL {server / total * 1e6:.1f} us"
        )
        if profile:
            pstats.Stats(profile).sort_stats("tottime").print_stats(35)
    finally:
        writer.close()
        drop_database(url)


def _mix(
    healthy: list[Inbound],
    url: str,
    now: datetime,
    *,
    bad_every: int,
    poisoned: int,
    sites: list[Any],
) -> list[Inbound]:
    """The healthy messages with bad ones mixed in, and ``poisoned`` devices poisoned."""
    if poisoned:
        with connect(url) as conn:
            conn.execute(
                """INSERT INTO device_health (device_id, bin_id, last_reading_ts)
                   SELECT id, bin_id, '9999-12-31T23:00:00-14:00' FROM devices
                   WHERE id = ANY(%s)""",
                ([s.device_id for s in sites[:: max(len(sites) // poisoned, 1)][:poisoned]],),
            )
    if not bad_every:
        return healthy
    from harness import bad_inputs as bad  # the corpus the ingest tests use

    with connect(url) as conn:
        bad.register_bad_devices(conn)
    cases = itertools.cycle(bad.CASES)
    mixed: list[Inbound] = []
    for i, message in enumerate(healthy, start=1):
        mixed.append(message)
        if i % bad_every == 0:
            mixed.append(bad.inbound(next(cases), now, TOPIC_ROOT))
    return mixed


if __name__ == "__main__":
    main()
