"""Measure what docs/operations.md sizes with: bytes per stored reading, and TLS logins per second.

    .venv/bin/python -m bench.deploy.sizing [--rows 500000] [--logins 300]

Row size: fills a fresh database (full schema, plain PostgreSQL) with readings of 1,000 sensors
arriving interleaved in time, as ingest writes them, and reports heap and index bytes per row.
Logins: starts Mosquitto from the generated configuration on a spare port and connects devices
one after another over TLS with a password (the broker's per-wake-up cost for a sensor).
"""

from __future__ import annotations

import argparse
import socket
import ssl
import tempfile
import time
import uuid
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import psycopg

from broker import add_device_credentials, reload_broker
from db.conn import drop_database, with_database
from db.migrate import TimescaleMode, upgrade
from harness import poll
from harness.securebroker import running_secure_broker
from ops import create_backup

SERVER = "postgresql://nettestad:nettestad@localhost:5432/postgres"


def row_size(rows: int) -> None:
    url = with_database(SERVER, f"nettestad_bench_{uuid.uuid4().hex[:8]}")
    upgrade(url, timescale=TimescaleMode.OFF)
    sensors = 1000
    try:
        with psycopg.connect(url, autocommit=True) as conn:
            started = time.perf_counter()
            conn.execute(
                """INSERT INTO fill_readings (device_id, bin_id, ts, seq, distance_mm,
                       filling_level, temperature_c, battery_v, rssi_dbm, quality, status)
                   SELECT 'fill-' || lpad(d::text, 4, '0'), 'KRT-' || lpad(d::text, 5, '0'),
                          timestamptz '2026-01-01' + make_interval(mins => 15 * s), s,
                          300 + (s * 7 + d) %% 600, ((s + d) %% 100) / 100.0, 8.5 + d %% 5,
                          3.6, -85 - d %% 20, 'ok', 'ok'
                   FROM generate_series(1, %s) s, generate_series(1, %s) d""",
                (rows // sensors, sensors),
            )
            elapsed = time.perf_counter() - started
            conn.execute("VACUUM ANALYZE fill_readings")
            n = conn.execute("SELECT count(*) FROM fill_readings").fetchone()[0]  # type: ignore[index]
            heap = conn.execute("SELECT pg_relation_size('fill_readings')").fetchone()[0]  # type: ignore[index]
            total = conn.execute("SELECT pg_total_relation_size('fill_readings')").fetchone()[0]  # type: ignore[index]
            indexes = conn.execute(
                """SELECT indexrelname, pg_relation_size(indexrelid) FROM pg_stat_user_indexes
                   WHERE relname = 'fill_readings' ORDER BY 1"""
            ).fetchall()
            version = conn.execute("SHOW server_version").fetchone()[0]  # type: ignore[index]
        print(f"PostgreSQL {version}, {n} readings of {sensors} sensors, time-interleaved")
        print(f"  heap          {heap / n:7.1f} B/row")
        for name, size in indexes:
            print(f"  {name:<24}{size / n:7.1f} B/row")
        print(
            f"  total         {total / n:7.1f} B/row  (insert {n / elapsed:,.0f} rows/s, one statement)"
        )
        with tempfile.TemporaryDirectory() as tmp:
            archive = Path(tmp) / "backup.tar"
            started = time.perf_counter()
            create_backup(database_url=url, out=archive, evidence_dir=None)
            took = time.perf_counter() - started
            print(
                f"  backup archive {archive.stat().st_size / n:6.1f} B/row "
                f"(nettestad backup create, {n / took:,.0f} rows/s)"
            )
    finally:
        drop_database(url)


def _field(value: str) -> bytes:
    data = value.encode()
    return len(data).to_bytes(2, "big") + data


def _login(port: int, context: ssl.SSLContext, user: str, password: str) -> int:
    """TLS handshake, MQTT 3.1.1 CONNECT with a password, CONNACK, DISCONNECT; the return code."""
    body = _field("MQTT") + bytes([4, 0xC2]) + (30).to_bytes(2, "big")
    body += _field(f"b-{user}") + _field(user) + _field(password)
    with (
        socket.create_connection(("127.0.0.1", port)) as raw,
        context.wrap_socket(raw, server_hostname="localhost") as tls,
    ):
        tls.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)  # as paho does
        tls.sendall(bytes([0x10, len(body)]) + body)
        connack = tls.recv(4)
        tls.sendall(b"\xe0\x00")
    return connack[3]


def logins(count: int) -> None:
    with tempfile.TemporaryDirectory() as tmp, running_secure_broker(Path(tmp)) as broker:
        for i in range(count):
            add_device_credentials(
                passwd_file=broker.passwd_file, device_id=f"fill-{i:04d}", password=f"pw-{i}"
            )
        reload_broker(pid_file=broker.pid_file)
        context = ssl.create_default_context(cafile=str(broker.ca_file))
        poll(
            lambda: _login(broker.tls_port, context, "fill-0000", "pw-0") == 0,
            what="the broker to know the devices",
        )
        started = time.perf_counter()
        for i in range(count // 4):
            assert _login(broker.tls_port, context, f"fill-{i:04d}", f"pw-{i}") == 0
        serial = (time.perf_counter() - started) / (count // 4)
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=32) as pool:
            codes = list(
                pool.map(
                    lambda i: _login(broker.tls_port, context, f"fill-{i:04d}", f"pw-{i}"),
                    range(count),
                )
            )
        elapsed = time.perf_counter() - started
        assert set(codes) == {0}
        print(
            f"device logins (TLS 1.3 with a P-256 certificate, PBKDF2 password, CONNACK, "
            f"DISCONNECT): one at a time {1000 * serial:.1f} ms each; {count} from 32 threads "
            f"{count / elapsed:.0f} logins/s (client and broker on the same 2 cores)"
        )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rows", type=int, default=500_000)
    parser.add_argument("--logins", type=int, default=1000)
    args = parser.parse_args()
    row_size(args.rows)
    logins(args.logins)


if __name__ == "__main__":
    main()
