"""End-to-end ingest benchmark: simulated sensors → Mosquitto → ``nettestad ingest`` → PostgreSQL.

Publishes ``--readings`` readings from ``--devices`` simulated sensors, ``--per-message``
readings per MQTT message (the firmware uploads several measurements per connection), at a
paced ``--rate``, from ``--publishers`` processes. The real ingest service runs as its own process
(``python -m nettestad.cli ingest``). Prints sustained readings/s from the first publish to the last
commit, the publish→commit latency of every message (p50/p99), and verifies in the database that
every reading is stored exactly once.

By default the broker is a private Mosquitto on a free port with the settings of
``deploy/ingest-broker.md`` (deep queue for the ingest session); ``--mqtt-port`` uses a running one.
The database is a dedicated ``nettestad_bench_ingest`` on the local server, recreated each run.

    .venv/bin/python -m bench.ingest.run [--readings 1000000] [--devices 10000] [--per-message 10]
"""

from __future__ import annotations

import argparse
import json
import multiprocessing as mp
import os
import socket
import subprocess
import sys
import tempfile
import time
import urllib.request
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from bench.ingest.wire import Publisher, publish_packet
from contracts.topics import UpKind, up_topic
from db.conn import connect, drop_database, with_database
from db.migrate import upgrade
from twin.city import generate_bins
from twin.registry import upsert_bins

ROOT_DIR = Path(__file__).resolve().parents[2]
TOPIC_ROOT = "benchingest"
SERVER = "postgresql://nettestad:nettestad@localhost:5432/postgres"
# Readings from three days ago on (25 hours of them for a million readings): recent, as a city's
# are, but whole days of device time replayed in a minute, so the service's offline sweep is told
# (NETTESTAD_OFFLINE_INTERVAL_S below) that a day between uploads is normal; with the default
# hour it would flag every sensor, whose newest reading is hours old in replayed time.
START = datetime.now(UTC).replace(hour=0, minute=0, second=0, microsecond=0) - timedelta(days=3)


def free_port() -> int:
    """A TCP port nobody listens on."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def start_broker(workdir: Path) -> tuple[subprocess.Popen[bytes], int]:
    """A private Mosquitto tuned as deploy/ingest-broker.md describes."""
    port = free_port()
    (workdir / "data").mkdir()
    config = workdir / "mosquitto.conf"
    config.write_text(
        f"listener {port} 127.0.0.1\nallow_anonymous true\n"
        f"user {os.environ.get('USER', 'root') if os.geteuid() else 'root'}\n"
        f"persistence true\npersistence_location {workdir / 'data'}/\n"
        "max_queued_messages 0\nmax_queued_bytes 0\nmax_inflight_messages 0\n"
        "persistent_client_expiration 1d\n"
    )
    broker = subprocess.Popen(["mosquitto", "-c", str(config)], stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), 0.2).close()
            return broker, port
        except OSError:
            time.sleep(0.05)  # waiting for the broker's port, bounded
    raise RuntimeError("mosquitto did not start")


def payload(device: str, first_seq: int, count: int) -> bytes:
    """One upload of ``count`` readings, 15 minutes apart."""
    readings = []
    for seq in range(first_seq, first_seq + count):
        level = (seq % 48) / 50
        readings.append(
            {
                "seq": seq,
                "ts": (START + timedelta(minutes=15 * seq)).isoformat().replace("+00:00", "Z"),
                "distance_mm": int(50 + 800 * (1 - level)),
                "filling_level": round(level, 3),
                "temperature_c": 9.5,
                "battery_v": 3.61,
                "rssi_dbm": -82,
            }
        )
    return json.dumps({"device_id": device, "readings": readings}).encode()


def publisher(  # noqa: PLR0917 - the positional target signature multiprocessing calls
    port: int,
    devices: list[str],
    messages: int,
    per_message: int,
    rate: float,
    built: Any,  # a multiprocessing Semaphore, released once this publisher's packets are built
    ready: Any,  # a multiprocessing Event: every publisher starts at once
    out: mp.Queue,  # type: ignore[type-arg]  # multiprocessing queues are not generic at runtime
) -> None:
    """Publish this process's share at QoS 1, paced at ``rate`` messages/s; report publish times
    and the CPU seconds spent publishing.

    The packets are encoded before the clock starts: a real sensor builds its JSON on its own
    chip, so that work must not compete with the broker, ingest and PostgreSQL for these cores.
    """
    chunk = 50  # messages per write: the pacing granularity
    packets: list[tuple[int, list[tuple[str, bytes]]]] = []
    ids = 0
    for m in range(messages):
        for i in range(0, len(devices), chunk):
            part = []
            for device in devices[i : i + chunk]:
                ids = ids % 65535 + 1
                topic = up_topic(device, UpKind.READING, root=TOPIC_ROOT)
                body = payload(device, m * per_message, per_message)
                part.append((device, publish_packet(topic, body, ids)))
            packets.append((m * per_message, part))
    client = Publisher(port, f"bench-sensors-{os.getpid()}")
    built.release()
    ready.wait()
    cpu_began = time.process_time()
    sent: list[tuple[str, int, float]] = []
    began = time.monotonic()
    n = 0
    for first_seq, part in packets:
        now = time.time()
        sent += [(device, first_seq, now) for device, _ in part]
        client.send([packet for _, packet in part])
        n += len(part)
        ahead = n / rate - (time.monotonic() - began)
        if ahead > 0:
            time.sleep(ahead)  # pacing to the target rate
    if not client.wait_acked(120):
        raise RuntimeError(f"broker acknowledged {client.acked} of {client.sent}")
    client.close()
    out.put((sent, time.process_time() - cpu_began))


def _ticks(pid: int) -> float:
    """CPU seconds (user + system) a process has used so far; 0 once it is gone."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    except OSError:
        return 0.0
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


class CpuMeter:
    """CPU seconds the ingest processes, the broker and the benchmark database's server
    processes spend during the run: where the two cores go, whatever else loads them."""

    def __init__(self, url: str, ingest: list[int], broker: int | None) -> None:
        self._url = url
        self._groups: dict[str, list[int]] = {"ingest": ingest}
        if broker is not None:
            self._groups["mosquitto"] = [broker]
        self._before: dict[int, float] = {}

    def _backends(self) -> list[int]:
        with connect(self._url) as conn:
            rows = conn.execute(
                "SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                "AND pid <> pg_backend_pid()"
            ).fetchall()
        return [int(r[0]) for r in rows]  # type: ignore[call-overload]  # pid is an integer

    def start(self) -> None:
        """Take the starting counts."""
        self._before = {pid: _ticks(pid) for pids in self._groups.values() for pid in pids}
        self._before.update({pid: _ticks(pid) for pid in self._backends()})

    def stop(self) -> dict[str, float]:
        """CPU seconds per group since ``start``; the ingest connections (opened at the first
        batch) count from zero. The server's shared WAL writer and checkpointer are not in it."""
        self._groups["postgres"] = self._backends()
        return {
            name: sum(_ticks(pid) - self._before.get(pid, 0.0) for pid in pids)
            for name, pids in self._groups.items()
        }


def scrape(port: int) -> dict[str, float]:
    """The ingest process's metrics."""
    with urllib.request.urlopen(f"http://127.0.0.1:{port}/metrics", timeout=5) as response:
        text = response.read().decode()
    values = {}
    for line in text.splitlines():
        if line and not line.startswith("#"):
            name, value = line.split()
            values[name] = float(value)
    return values


def scrape_all(ports: list[int]) -> dict[str, float]:
    """Every worker's metrics, summed."""
    total: dict[str, float] = {}
    for port in ports:
        for name, value in scrape(port).items():
            total[name] = total.get(name, 0.0) + value
    return total


def main() -> None:  # noqa: PLR0912, PLR0915 - one benchmark story, top to bottom
    """Run the benchmark and print its numbers."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--readings", type=int, default=1_000_000)
    parser.add_argument("--devices", type=int, default=10_000)
    parser.add_argument("--per-message", type=int, default=10)
    parser.add_argument("--rate", type=float, default=25_000, help="target readings/s")
    parser.add_argument("--publishers", type=int, default=2)
    parser.add_argument(
        "--workers", type=int, default=1, help="ingest processes (a shared subscription when > 1)"
    )
    parser.add_argument("--batch-size", type=int, default=1000, help="messages per transaction")
    parser.add_argument("--writers", type=int, default=2, help="writer threads per process")
    parser.add_argument("--server", default=SERVER)
    parser.add_argument("--mqtt-port", type=int, default=None)
    parser.add_argument(
        "--database", default="nettestad_bench_ingest", help="recreated on --server each run"
    )
    args = parser.parse_args()
    messages = args.readings // (args.devices * args.per_message)
    total = messages * args.devices * args.per_message

    url = with_database(args.server, args.database)
    drop_database(url)
    upgrade(url)
    sites = generate_bins(args.devices, seed=5)
    with connect(url) as conn:
        upsert_bins(conn=conn, sites=sites)
    devices = [s.device_id for s in sites]

    workdir = Path(tempfile.mkdtemp(prefix="nettestad-bench-"))
    broker = None
    if args.mqtt_port is None:
        broker, port = start_broker(workdir)
    else:
        port = args.mqtt_port
    metrics_ports = [free_port() for _ in range(args.workers)]
    logs = [workdir / f"ingest-{i}.log" for i in range(args.workers)]
    workers = []
    for i, (metrics_port, log) in enumerate(zip(metrics_ports, logs, strict=True)):
        env = {
            **os.environ,
            "NETTESTAD_DATABASE_URL": url,
            "NETTESTAD_TOPIC_ROOT": TOPIC_ROOT,
            "NETTESTAD_MQTT_HOST": "127.0.0.1",
            "NETTESTAD_MQTT_PORT": str(port),
            "NETTESTAD_CLIENT_ID": f"bench-ingest-{i}",
            "NETTESTAD_METRICS_PORT": str(metrics_port),
            "NETTESTAD_BATCH_SIZE": str(args.batch_size),
            "NETTESTAD_WRITERS": str(args.writers),
            # queue and broker in-flight window: the product's defaults (ingest/settings.py)
            "NETTESTAD_OFFLINE_INTERVAL_S": "86400",
        }
        if args.workers > 1:
            env["NETTESTAD_SHARE_GROUP"] = "bench"
        with log.open("wb") as sink:
            workers.append(
                subprocess.Popen(
                    [sys.executable, "-m", "nettestad.cli", "ingest"],
                    env=env,
                    cwd=ROOT_DIR,
                    stdout=sink,
                    stderr=subprocess.STDOUT,
                )
            )
    try:
        deadline = time.monotonic() + 30
        for worker, log in zip(workers, logs, strict=True):
            while "subscribing to" not in log.read_text():
                if time.monotonic() > deadline or worker.poll() is not None:
                    raise RuntimeError(log.read_text())
                time.sleep(0.1)  # waiting for the subscription, bounded

        print(
            f"{total:,} readings = {messages * args.devices:,} messages x {args.per_message} "
            f"readings, {args.devices:,} devices, {args.publishers} publisher process(es), "
            f"target {args.rate:,.0f} readings/s, {args.workers} ingest process(es) with "
            f"{args.writers} writer thread(s), {args.batch_size} messages per transaction"
        )
        out: mp.Queue = mp.Queue()  # type: ignore[type-arg]  # see publisher()
        ready = mp.Event()
        built = mp.Semaphore(0)
        share = [devices[i :: args.publishers] for i in range(args.publishers)]
        per_process_rate = args.rate / args.per_message / args.publishers
        processes = [
            mp.Process(
                target=publisher,
                args=(port, part, messages, args.per_message, per_process_rate, built, ready, out),
            )
            for part in share
        ]
        for p in processes:
            p.start()
        cpu = CpuMeter(url, [w.pid for w in workers], broker.pid if broker else None)
        for _ in processes:
            if not built.acquire(timeout=600):
                raise RuntimeError("a publisher did not build its packets")
        cpu.start()
        began = time.time()
        ready.set()
        sent: list[tuple[str, int, float]] = []
        publisher_cpu = 0.0
        for _ in processes:
            part_sent, part_cpu = out.get()
            sent += part_sent
            publisher_cpu += part_cpu
        for p in processes:
            p.join()
        published = time.time()
        stored = 0.0
        peak_queue = 0.0
        deadline = time.monotonic() + 600
        while stored < total and time.monotonic() < deadline:
            metrics = scrape_all(metrics_ports)
            stored = metrics["nettestad_ingest_readings_stored_total"]
            peak_queue = max(peak_queue, metrics["nettestad_ingest_queue_depth"])
            time.sleep(0.2)  # polling the metrics endpoint, bounded by the deadline
        metrics = scrape_all(metrics_ports)
        spent = cpu.stop()
        spent["publishers"] = publisher_cpu
        with connect(url) as conn:
            row = conn.execute(
                "SELECT count(*), count(DISTINCT (device_id, seq)), max(received_at) FROM fill_readings"
            ).fetchone()
            assert row is not None
            count, distinct, last = int(row[0]), int(row[1]), row[2]  # type: ignore[call-overload]  # count() is bigint
            summarised = conn.execute("SELECT sum(readings) FROM fill_hourly").fetchone()
            committed = {
                (str(d), int(s)): t.timestamp()  # type: ignore[attr-defined, call-overload]  # timestamptz, bigint
                for d, s, t in conn.execute(
                    "SELECT device_id, seq, received_at FROM fill_readings WHERE seq %% %s = 0",
                    (args.per_message,),
                ).fetchall()
            }
        latencies = sorted(committed[(d, s)] - t for d, s, t in sent if (d, s) in committed)
        end = last.timestamp()  # type: ignore[attr-defined]  # timestamptz
        elapsed = end - began
        print(f"published in {published - began:.1f} s; last commit {elapsed:.1f} s after start")
        print(f"sustained: {total / elapsed:,.0f} readings/s (first publish -> last commit)")
        print(
            f"latency publish->commit: p50 {latencies[len(latencies) // 2] * 1000:.0f} ms, "
            f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.0f} ms "
            f"({len(latencies):,} messages)"
        )
        print(
            f"stored {count:,} rows, {distinct:,} distinct, hourly summaries count "
            f"{summarised[0] if summarised else 0:,}; expected {total:,}; lost {total - distinct:,}; "
            f"duplicates skipped {metrics['nettestad_ingest_duplicates_total']:.0f}; "
            f"peak queue depth {peak_queue:.0f}; transactions {metrics['nettestad_ingest_batches_total']:.0f}"
        )
        used = sum(spent.values())
        print(
            f"CPU seconds: {', '.join(f'{k} {v:.1f}' for k, v in spent.items())}; "
            f"total {used:.1f} = {used / total * 1e6:.0f} us per reading, so two idle cores "
            f"would carry ~{2 * total / used:,.0f} readings/s; load average {os.getloadavg()[0]:.1f}"
        )
    finally:
        for worker in workers:
            worker.terminate()
        for worker in workers:
            worker.wait(30)
        if broker is not None:
            broker.terminate()
            broker.wait(30)


if __name__ == "__main__":
    main()
