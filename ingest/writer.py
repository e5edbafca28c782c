"""The writer: stores one batch per transaction and only then lets the service acknowledge it.

Everything a batch causes (readings, hourly and daily summaries, device health, alerts, derived
events, dead letters, security events) commits together, so a message the broker delivers again
after a crash either finds all of it stored or none of it.
"""

from __future__ import annotations

import logging
import time
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime

import psycopg

from contracts import RejectCode, parse_up_topic
from db import Conn, connect, uses_timescale
from db.deadletters import DeadLetter, insert_dead_letters, insert_security_events
from db.devices import (
    AlertChange,
    BinEvent,
    HealthState,
    RegisteredDevice,
    Seen,
    add_dropped_events,
    apply_alerts,
    insert_bin_events,
    load_devices,
    lock_health,
    raise_offline_alerts,
    record_seen,
    record_status,
    save_health,
)
from db.dumping import insert_dumping_event
from db.readings import ReadingRow, WriteMethod, insert_readings, prepare_connection
from ingest.classify import Inbound, WritePlan, plan_batch
from ingest.health import HealthRules, assess
from ingest.lorawan.path import LoRaWANPath

log = logging.getLogger(__name__)
DEVICE_REFRESH_S = 2.0  # how often an unknown device id may trigger a registry reload
_STATUS_ALERTS = {"tamper": ("tamper", "critical"), "fault": ("device_fault", "warning")}


@dataclass(slots=True)
class WriterStats:
    """Counters the service reports as metrics."""

    received: int = 0
    stored_readings: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    security_events: int = 0
    events: int = 0
    alerts_raised: int = 0
    batches: int = 0
    db_errors: int = 0
    isolations: int = 0  # batches split to find the one message that could not be stored
    writer_restarts: int = 0  # writer lanes restarted after an unexpected error
    lanes_dead: int = 0  # writer lanes not running right now (0 when healthy)
    last_commit_lag_s: float = 0.0  # receipt of the batch's oldest message → its commit
    last_commit_at: float = 0.0  # unix time


@dataclass(frozen=True, slots=True)
class OfflinePolicy:
    """When a silent device counts as offline."""

    default_interval_s: int = 3600
    factor: float = 3.0


@dataclass(slots=True)
class _Derived:
    states: list[HealthState]
    alerts: list[tuple[str, str | None, AlertChange]]
    events: list[tuple[str, str, BinEvent]]
    closed: list[tuple[str, datetime]]


MAX_SUSPECTS = 1000


def _device_of(message: Inbound) -> str:
    """The device a message's topic names (``{root}/v1/dev/{id}/...``), or the topic itself."""
    parts = message.topic.split("/", 4)
    return parts[3] if len(parts) > 3 else message.topic


def _newest(rows: list[ReadingRow]) -> ReadingRow:
    newest = rows[0]
    for row in rows:
        if row.ts > newest.ts:
            newest = row
    return newest


class BatchWriter:
    """Writes batches to PostgreSQL, reconnecting and retrying until each batch commits."""

    def __init__(
        self,
        *,
        database_url: str,
        root: str,
        stop: Callable[[], bool],
        method: WriteMethod = WriteMethod.COPY,
        rules: HealthRules | None = None,
        offline: OfflinePolicy | None = None,
        lorawan: LoRaWANPath | None = None,
    ) -> None:
        self._url = database_url
        self._root = root
        self._stop = stop
        self._method = method
        self._rules = rules or HealthRules()
        self._offline = offline or OfflinePolicy()
        self._lorawan = lorawan  # network-server uplinks (ingest/lorawan), stored with the batch
        self._conn: Conn | None = None
        self._summaries = False
        self._devices: dict[str, RegisteredDevice] = {}
        self._devices_loaded_at = float("-inf")
        self._suspects: dict[str, None] = {}  # devices whose last message could not be stored
        self.stats = WriterStats()

    def _connection(self) -> Conn:
        if self._conn is None or self._conn.closed:
            conn = connect(self._url)
            # Without TimescaleDB there are no continuous aggregates: keep the summaries here.
            self._summaries = not uses_timescale(conn)
            prepare_connection(conn=conn)
            self._conn = conn
            self._devices_loaded_at = float("-inf")
        return self._conn

    def _refresh_devices(self, conn: Conn, *, force: bool) -> None:
        now = time.monotonic()
        if force and now - self._devices_loaded_at < DEVICE_REFRESH_S:
            return
        if force or self._devices_loaded_at == float("-inf"):
            self._devices = load_devices(conn=conn)
            conn.commit()
            self._devices_loaded_at = now

    def _plan(self, conn: Conn, batch: Sequence[Inbound]) -> WritePlan:
        self._refresh_devices(conn, force=False)
        plan = plan_batch(batch, self._devices, root=self._root)
        unknown = {d.device_id for d in plan.dead_letters if d.code == "unknown_device"}
        if unknown:
            self._refresh_devices(conn, force=True)  # a device may have been registered just now
            if not unknown.isdisjoint(self._devices):  # it was: plan again, else keep the plan
                plan = plan_batch(batch, self._devices, root=self._root)
        return plan

    def _derive(self, conn: Conn, by_device: dict[str, list[ReadingRow]]) -> _Derived:
        states = lock_health(conn=conn, devices={d: r[0].bin_id for d, r in by_device.items()})
        out = _Derived([], [], [], [])
        rules = self._rules
        for device_id, rows in by_device.items():
            bin_id = rows[0].bin_id
            result = assess(states[device_id], rows, rules)
            out.states.append(result.state)
            out.alerts += [(device_id, bin_id, a) for a in result.alerts]
            out.events += [(device_id, bin_id, e) for e in result.events]
            if result.overflow_closed_at is not None:
                out.closed.append((device_id, result.overflow_closed_at))
        return out

    def _status_alerts(self, plan: WritePlan) -> list[tuple[str, str | None, AlertChange]]:
        changes = []
        for status, received_at in plan.statuses:
            seen = status.ts or received_at
            device = self._devices.get(status.device_id)
            bin_id = device.bin_id if device else None
            if status.state in _STATUS_ALERTS:
                kind, severity = _STATUS_ALERTS[status.state]
                detail = status.detail or f"device reports {status.state}"
                changes.append(
                    (status.device_id, bin_id, AlertChange(kind, True, seen, severity, detail))
                )
            elif status.state == "online":
                for kind, _ in _STATUS_ALERTS.values():
                    changes.append((status.device_id, bin_id, AlertChange(kind, False, seen)))
        return changes

    def _store_readings(
        self, conn: Conn, plan: WritePlan
    ) -> tuple[int, list[tuple[str, str | None, AlertChange]]]:
        """Readings, summaries, health, derived events and last-seen of a batch; (new readings,
        alert changes). Only newly stored readings are judged, so a redelivery derives nothing."""
        readings = plan.readings
        new = insert_readings(
            conn=conn, rows=readings, summaries=self._summaries, method=self._method
        )
        by_device: dict[str, list[ReadingRow]] = defaultdict(list)
        if len(new) == len(readings):  # the usual case: every reading is new
            for row in readings:
                by_device[row.device_id].append(row)
        else:
            for i in new:
                by_device[readings[i].device_id].append(readings[i])
        if not by_device:
            return 0, []
        derived = self._derive(conn, by_device)
        save_health(conn=conn, states=derived.states)
        insert_bin_events(conn=conn, events=derived.events, closed=derived.closed)
        dropped: dict[str, int] = defaultdict(int)
        if plan.dropped:
            fresh = set(new)
            for first, count in plan.dropped:
                if first in fresh:
                    dropped[readings[first].device_id] += count
        seen = []
        for device_id, rows in by_device.items():
            last = _newest(rows)
            seen.append(Seen(device_id, last.ts, last.battery_v, last.rssi_dbm, dropped[device_id]))
        record_seen(conn=conn, seen=seen)
        return len(new), derived.alerts

    def _store(self, conn: Conn, plan: WritePlan) -> tuple[int, int]:
        """Write a planned batch inside the open transaction; (new readings, new events)."""
        stored, alerts = self._store_readings(conn, plan)
        alerts += self._status_alerts(plan)
        if alerts:
            self.stats.alerts_raised += apply_alerts(conn=conn, changes=alerts)
        for status, received_at in plan.statuses:
            record_status(conn=conn, status=status, received_at=received_at)
        if plan.dead_letters:
            insert_dead_letters(conn=conn, letters=plan.dead_letters)
        if plan.security:
            insert_security_events(conn=conn, events=plan.security)
        new_events = 0
        dropped_events: dict[str, int] = defaultdict(int)
        for event in plan.events:
            if insert_dumping_event(conn=conn, event=event):
                new_events += 1
                dropped_events[event.device_id] += event.dropped_events
        add_dropped_events(conn=conn, counts={d: n for d, n in dropped_events.items() if n})
        return stored, new_events

    def _recover(self, exc: psycopg.OperationalError, delay: float) -> float:
        self.stats.db_errors += 1
        log.warning("database unavailable or conflict (%s); retrying in %.1f s", exc, delay)
        conn = self._conn
        if conn is not None and not conn.closed and not conn.broken:
            try:
                conn.rollback()  # a deadlock or serialization failure: the connection is fine
            except psycopg.Error:
                self._close()
        else:
            self._close()
        time.sleep(delay)  # back-off between attempts, not a wait for a result
        return min(delay * 2, 5.0)

    def write(self, batch: Sequence[Inbound]) -> bool:
        """Store a batch; retries through database outages. False only when asked to stop.

        Anything else that goes wrong (the database refusing a value, a rule raising on a value
        nobody foresaw) is isolated: the batch is split in halves until the one message at fault
        is alone, and that one becomes a dead letter with the reason. A bad message costs its
        batch a few extra transactions, never one transaction per message for everyone. Its
        device is then a suspect: its next messages are written on their own, after the rest of
        their batch, until one of them is stored.
        """
        if self._suspects and len(batch) > 1:
            held = [m for m in batch if _device_of(m) in self._suspects]
            if held:
                rest = [m for m in batch if _device_of(m) not in self._suspects]
                return (not rest or self._write(rest)) and all(self._write([m]) for m in held)
        return self._write(batch)

    def _write(self, batch: Sequence[Inbound]) -> bool:
        delay = 0.2
        while True:
            try:
                conn = self._connection()
                ours, lorawan = self._split_lorawan(batch)
                plan = self._plan(conn, ours)
                with conn.transaction():
                    repeated = (
                        self._lorawan.extend(conn=conn, plan=plan, messages=lorawan)
                        if (self._lorawan and lorawan)
                        else 0
                    )
                    stored, new_events = self._store(conn, plan)
            except psycopg.OperationalError as exc:
                if self._stop() and delay >= 5.0:
                    return False  # stopping and the database stays away: leave it unacknowledged
                delay = self._recover(exc, delay)
                continue
            except Exception as exc:  # noqa: BLE001 - any failure of one message is isolated, never fatal
                return self._isolate(batch, exc)
            self._count(batch, plan, stored, new_events)
            self.stats.duplicates += repeated
            if len(batch) == 1 and self._suspects:
                self._suspects.pop(_device_of(batch[0]), None)  # stored: no longer suspect
            return True

    def _split_lorawan(self, batch: Sequence[Inbound]) -> tuple[Sequence[Inbound], list[Inbound]]:
        """(our devices' messages, network-server uplinks) of a batch."""
        path = self._lorawan
        if path is None:
            return batch, []
        lorawan = [m for m in batch if path.claims(m.topic)]
        if not lorawan:
            return batch, lorawan
        return [m for m in batch if not path.claims(m.topic)], lorawan

    def _isolate(self, batch: Sequence[Inbound], error: Exception) -> bool:
        """Store what can be stored and dead-letter the message that cannot, by halving."""
        self.stats.isolations += 1
        if len(batch) > 1:
            log.warning(
                "batch of %d failed (%s); isolating the message at fault", len(batch), error
            )
            half = len(batch) // 2
            return self._write(batch[:half]) and self._write(batch[half:])
        return self._dead_letter(batch[0], error)

    def _dead_letter(self, message: Inbound, error: Exception) -> bool:
        """Keep a message nothing else could store as a dead letter, so it is acknowledged."""
        if isinstance(error, psycopg.Error):
            code, reason = RejectCode.DATABASE_REFUSED, f"database refused the message: {error}"
        else:
            log.error("storing a message raised; kept as a dead letter", exc_info=error)
            code = RejectCode.PROCESSING_FAILED
            reason = f"storing the message raised {type(error).__name__}: {error}"
        parsed = parse_up_topic(message.topic, root=self._root)
        letter = DeadLetter(
            message.topic,
            message.payload,
            code.value,
            reason[:1000],
            parsed.device_id if parsed else None,
        )
        delay = 0.2
        while True:
            try:
                conn = self._connection()
                if conn.info.transaction_status != psycopg.pq.TransactionStatus.IDLE:
                    conn.rollback()
                with conn.transaction():
                    insert_dead_letters(conn=conn, letters=[letter])
            except psycopg.OperationalError as exc:
                if self._stop() and delay >= 5.0:
                    return False
                delay = self._recover(exc, delay)
                continue
            break
        self.stats.received += 1
        self.stats.dead_letters += 1
        self._suspects[_device_of(message)] = None
        while len(self._suspects) > MAX_SUSPECTS:  # the oldest suspect goes first
            self._suspects.pop(next(iter(self._suspects)))
        return True

    def _count(self, batch: Sequence[Inbound], plan: WritePlan, stored: int, events: int) -> None:
        now = datetime.now(UTC)
        self.stats.received += len(batch)
        self.stats.stored_readings += stored
        self.stats.duplicates += len(plan.readings) - stored
        self.stats.dead_letters += len(plan.dead_letters)
        self.stats.security_events += len(plan.security)
        self.stats.events += events
        self.stats.batches += 1
        oldest = min(m.received_at for m in batch)
        self.stats.last_commit_lag_s = (now - oldest).total_seconds()
        self.stats.last_commit_at = now.timestamp()

    def sweep_offline(self) -> int:
        """Raise ``offline`` alerts for silent devices; 0 when the database is away (next time)."""
        try:
            conn = self._connection()
            with conn.transaction():
                raised = raise_offline_alerts(
                    conn=conn,
                    default_interval_s=self._offline.default_interval_s,
                    factor=self._offline.factor,
                )
        except psycopg.OperationalError as exc:
            log.warning("offline sweep skipped: %s", exc)
            self._close()
            return 0
        except psycopg.Error as exc:  # a value the sweep cannot read: next time, not a dead lane
            log.error("offline sweep failed: %s", exc)
            self._close()
            return 0
        self.stats.alerts_raised += raised
        return raised

    def _close(self) -> None:
        if self._conn is not None:
            try:
                self._conn.close()
            except psycopg.Error:
                log.debug("closing a broken connection failed", exc_info=True)
            self._conn = None

    def close(self) -> None:
        """Release the database connection."""
        self._close()
