"""LoRaWAN ingest benchmark: network-server uplinks → Mosquitto → ``nettestad ingest`` → PostgreSQL.

Replays the recorded uplinks of ``tests/fixtures/lorawan`` (a Milesight EM310-UDL through
ChirpStack v4, a Dragino LDDS75 through The Things Stack v3) for ``--devices`` registered LoRaWAN
sensors, half of each, at a paced ``--rate`` uplinks/s for ``--seconds``. The real ingest runs as
its own process. Two runs, each on a fresh database:

1. steady: prints the publish→commit latency of every uplink (p50/p99/max) and checks that every
   uplink is stored exactly once;
2. restart: the ingest process is killed (SIGKILL, a crash) halfway and started again; prints how
   many uplinks were lost or stored twice (both must be 0) and the worst latency across it.

    .venv/bin/python -m bench.ingest.lorawan [--rate 1000] [--seconds 60] [--devices 1000]
"""

from __future__ import annotations

import argparse
import copy
import json
import os
import signal
import subprocess
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

from bench.ingest.run import CpuMeter, start_broker
from bench.ingest.wire import Publisher, publish_packet
from db.conn import connect, drop_database, with_database
from db.migrate import upgrade

ROOT_DIR = Path(__file__).resolve().parents[2]
FIXTURES = ROOT_DIR / "tests" / "fixtures" / "lorawan"
TOPIC_ROOT = "benchlorawan"
SERVER = "postgresql://nettestad:nettestad@localhost:5432/postgres"
START = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)


def register(url: str, devices: int) -> dict[str, str]:
    """Bins and LoRaWAN sensors, half Milesight, half Dragino; DevEUI → device id."""
    with connect(url) as conn:
        conn.execute(
            """INSERT INTO bins (id, name, district, container_type, category, volume_l,
                   depth_mm, lat, lon)
               SELECT 'bin-l-' || i, 'Straat ' || i, 'Centrum', 'street_bin', 'fixed', 120, 1100,
                      50.83, 3.26 FROM generate_series(1, %s) i""",
            (devices,),
        )
        conn.execute(
            """INSERT INTO devices (id, kind, bin_id, config)
               SELECT 'lw-' || i, 'fill_sensor', 'bin-l-' || i,
                      '{"radio": "lorawan", "report_interval_s": 86400}'::jsonb
               FROM generate_series(1, %s) i""",
            (devices,),
        )
        conn.execute(
            """INSERT INTO lorawan_devices (device_id, dev_eui, codec, sensor_offset_mm)
               SELECT 'lw-' || i,
                      CASE WHEN i %% 2 = 0 THEN '24e12471' ELSE 'a8404100' END
                          || lpad(to_hex(i), 8, '0'),
                      CASE WHEN i %% 2 = 0 THEN 'milesight-em310-udl' ELSE 'dragino-ldds75' END,
                      100
               FROM generate_series(1, %s) i""",
            (devices,),
        )
        conn.commit()
        rows = conn.execute("SELECT dev_eui, device_id FROM lorawan_devices").fetchall()
    return {str(e): str(d) for e, d in rows}


def uplinks(euis: list[str], per_device: int) -> list[tuple[str, str, int, bytes]]:
    """(topic, DevEUI, frame counter, payload) of every uplink, devices interleaved."""
    chirpstack = json.loads((FIXTURES / "chirpstack_em310_valid.json").read_text())
    tts = json.loads((FIXTURES / "tts_ldds75_valid.json").read_text())
    out = []
    for n in range(1, per_device + 1):
        at = (START + timedelta(minutes=20 * n)).isoformat()
        for eui in euis:
            if eui.startswith("24e1"):
                event = copy.deepcopy(chirpstack)
                event["deviceInfo"]["devEui"] = eui
                event["fCnt"], event["time"] = n, at
                topic = f"{TOPIC_ROOT}/lns/application/app-1/device/{eui}/event/up"
            else:
                event = copy.deepcopy(tts)
                event["end_device_ids"]["dev_eui"] = eui.upper()
                event["end_device_ids"]["device_id"] = f"ldds75-{eui}"
                event["uplink_message"]["f_cnt"] = n
                event["uplink_message"]["received_at"] = at
                topic = f"{TOPIC_ROOT}/lns/v3/vuilbakken@kortrijk/devices/ldds75-{eui}/up"
            out.append((topic, eui, n, json.dumps(event).encode()))
    return out


def start_ingest(url: str, port: int, log: Path) -> subprocess.Popen[bytes]:
    """``nettestad ingest`` as its own process, subscribed before this returns."""
    env = {
        **os.environ,
        "NETTESTAD_DATABASE_URL": url,
        "NETTESTAD_TOPIC_ROOT": TOPIC_ROOT,
        "NETTESTAD_MQTT_HOST": "127.0.0.1",
        "NETTESTAD_MQTT_PORT": str(port),
        "NETTESTAD_CLIENT_ID": "bench-lorawan-ingest",
        "NETTESTAD_METRICS_ENABLED": "false",
        "NETTESTAD_OFFLINE_INTERVAL_S": "86400",
    }
    before = log.stat().st_size if log.exists() else 0
    with log.open("ab") as sink:
        process = subprocess.Popen(
            [sys.executable, "-m", "nettestad.cli", "ingest"],
            env=env, cwd=ROOT_DIR, stdout=sink, stderr=subprocess.STDOUT,
        )  # fmt: skip
    deadline = time.monotonic() + 60
    while "subscribing to" not in log.read_bytes()[before:].decode(errors="replace"):
        if time.monotonic() > deadline or process.poll() is not None:
            raise RuntimeError(log.read_text()[-2000:])
        time.sleep(0.1)  # waiting for the subscription, bounded
    return process


def run(args: argparse.Namespace, *, restart: bool) -> None:  # noqa: PLR0915 - one run, top to bottom
    """One run on a fresh database; prints its numbers."""
    url = with_database(args.server, "nettestad_bench_lorawan")
    drop_database(url)
    upgrade(url)
    devices = register(url, args.devices)
    euis = sorted(devices)
    per_device = max(1, round(args.rate * args.seconds / len(euis)))
    messages = uplinks(euis, per_device)
    packets = [publish_packet(t, p, i % 65535 + 1) for i, (t, _, _, p) in enumerate(messages)]
    workdir = Path(tempfile.mkdtemp(prefix="nettestad-bench-lorawan-"))
    broker, port = start_broker(workdir)
    log = workdir / "ingest.log"
    ingest = start_ingest(url, port, log)
    publisher = Publisher(port, "bench-lns")
    cpu = CpuMeter(url, [ingest.pid], broker.pid)
    cpu.start()
    sent_at: list[float] = []
    tick = 0.01
    per_tick = max(1, round(args.rate * tick))
    began = time.time()
    killed_at = None
    try:
        for start in range(0, len(packets), per_tick):
            due = began + (start // per_tick) * tick
            pause = due - time.time()
            if pause > 0:
                time.sleep(pause)  # pacing the publisher to the target rate
            chunk = packets[start : start + per_tick]
            now = time.time()
            publisher.send(chunk)
            sent_at += [now] * len(chunk)
            if restart and killed_at is None and start >= len(packets) // 2:
                ingest.send_signal(signal.SIGKILL)  # a crash: nothing flushed, nothing acked
                ingest.wait(30)
                killed_at = time.time()
                ingest = start_ingest(url, port, log)
        publisher.wait_acked(120)
        published = time.time()
        total = len(messages)
        deadline = time.monotonic() + 300
        with connect(url) as conn:
            while time.monotonic() < deadline:
                row = conn.execute("SELECT count(*) FROM fill_readings").fetchone()
                conn.commit()
                if row and int(row[0]) >= total:  # type: ignore[call-overload]  # count() is bigint
                    break
                time.sleep(0.2)  # polling the table, bounded by the deadline
            spent = cpu.stop()
            stored = {
                (str(d), int(s)): t.timestamp()  # type: ignore[attr-defined, call-overload]  # timestamptz, bigint
                for d, s, t in conn.execute(
                    "SELECT device_id, seq, received_at FROM fill_readings"
                ).fetchall()
            }
            rows = conn.execute("SELECT count(*) FROM fill_readings").fetchone()
            letters = conn.execute("SELECT count(*) FROM dead_letters").fetchone()
        keys = [(devices[eui], n) for _, eui, n, _ in messages]
        lost = sum(1 for k in keys if k not in stored)
        timed = [(t, stored[k] - t) for k, t in zip(keys, sent_at, strict=True) if k in stored]
        latencies = sorted(lag for _, lag in timed)
        windows: dict[int, list[float]] = {}
        for t, lag in timed:
            windows.setdefault(int((t - began) // 10), []).append(lag)
        twice = (int(rows[0]) if rows else 0) - len(stored)  # type: ignore[call-overload]  # bigint
        name = "restart (SIGKILL halfway, then started again)" if restart else "steady"
        print(f"--- {name}: {total:,} uplinks from {len(euis):,} sensors at {args.rate:,.0f}/s")
        print(f"published in {published - began:.1f} s" + (
            f"; ingest killed {killed_at - began:.1f} s in and restarted" if killed_at else ""
        ))  # fmt: skip
        print(
            f"latency publish->stored: p50 {latencies[len(latencies) // 2] * 1000:.0f} ms, "
            f"p99 {latencies[int(len(latencies) * 0.99)] * 1000:.0f} ms, "
            f"max {latencies[-1] * 1000:.0f} ms"
        )
        print(
            "p99 per 10 s of publishing: "
            + ", ".join(
                f"{sorted(v)[int(len(v) * 0.99)] * 1000:.0f}" for _, v in sorted(windows.items())
            )
            + " ms"
        )
        print(
            f"stored {len(stored):,} of {total:,}: lost {lost}, stored twice {twice}, "
            f"dead letters {letters[0] if letters else '?'}; load average {os.getloadavg()[0]:.1f}"
        )
        if not restart:  # the killed process's CPU is gone with it
            used = sum(spent.values())
            print(
                f"CPU seconds: {', '.join(f'{k} {v:.1f}' for k, v in spent.items())}; "
                f"{used / total * 1e6:.0f} us per uplink, so two idle cores would carry "
                f"~{2 * total / used:,.0f} uplinks/s"
            )
    finally:
        publisher.close()
        ingest.terminate()
        ingest.wait(30)
        broker.terminate()
        broker.wait(30)


def main() -> None:
    """Run the steady and the restart run."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=1000, help="uplinks per second")
    parser.add_argument("--seconds", type=float, default=60)
    parser.add_argument("--devices", type=int, default=1000)
    parser.add_argument("--server", default=SERVER)
    parser.add_argument("--only", choices=["steady", "restart"], default=None)
    args = parser.parse_args()
    print(f"load average before: {os.getloadavg()}")
    if args.only != "restart":
        run(args, restart=False)
    if args.only != "steady":
        run(args, restart=True)


if __name__ == "__main__":
    main()
