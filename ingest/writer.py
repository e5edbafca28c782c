"""The writer: stores one batch per transaction and only then acknowledges it to the broker."""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import psycopg

from contracts.db import connect
from ingest.classify import Inbound, WritePlan, plan_batch
from ingest.store import (
    DeadLetter,
    RegisteredDevice,
    insert_dead_letters,
    insert_dumping_event,
    insert_readings,
    load_devices,
    record_seen,
    record_status,
)

log = logging.getLogger(__name__)
DEVICE_REFRESH_S = 2.0  # how often an unknown device id may trigger a registry reload


@dataclass(slots=True)
class WriterStats:
    """Counters the service reports."""

    received: int = 0
    stored_readings: int = 0
    duplicates: int = 0
    dead_letters: int = 0
    events: int = 0
    batches: int = 0
    db_errors: int = 0


class BatchWriter:
    """Writes batches to PostgreSQL, reconnecting and retrying until each batch commits."""

    def __init__(self, *, database_url: str, root: str, stop: Callable[[], bool]) -> None:
        self._url = database_url
        self._root = root
        self._stop = stop
        self._conn: psycopg.Connection[tuple[object, ...]] | None = None
        self._devices: dict[str, RegisteredDevice] = {}
        self._devices_loaded_at = float("-inf")
        self.stats = WriterStats()

    def _connection(self) -> psycopg.Connection[tuple[object, ...]]:
        if self._conn is None or self._conn.closed:
            self._conn = connect(self._url)
            self._devices_loaded_at = float("-inf")
        return self._conn

    def _refresh_devices(
        self, conn: psycopg.Connection[tuple[object, ...]], *, force: bool
    ) -> None:
        now = time.monotonic()
        if force and now - self._devices_loaded_at < DEVICE_REFRESH_S:
            return
        if force or self._devices_loaded_at == float("-inf"):
            self._devices = load_devices(conn=conn)
            conn.commit()
            self._devices_loaded_at = now

    def _plan(
        self, conn: psycopg.Connection[tuple[object, ...]], batch: Sequence[Inbound]
    ) -> WritePlan:
        self._refresh_devices(conn, force=False)
        plan = plan_batch(batch, self._devices, root=self._root)
        if any(d.code == "unknown_device" for d in plan.dead_letters):
            self._refresh_devices(conn, force=True)  # a device may have been registered just now
            plan = plan_batch(batch, self._devices, root=self._root)
        return plan

    def write(self, batch: Sequence[Inbound]) -> bool:
        """Store a batch; retries through database outages. False only when asked to stop."""
        delay = 0.2
        while True:
            try:
                conn = self._connection()
                plan = self._plan(conn, batch)
                with conn.transaction():
                    stored = insert_readings(conn=conn, rows=plan.readings)
                    if plan.dead_letters:
                        insert_dead_letters(conn=conn, letters=plan.dead_letters)
                    for status, received_at in plan.statuses:
                        record_status(conn=conn, status=status, received_at=received_at)
                    for seen in plan.seen.values():
                        record_seen(
                            conn=conn,
                            device_id=seen.device_id,
                            seen_at=seen.seen_at,
                            battery_v=seen.battery_v,
                            rssi_dbm=seen.rssi_dbm,
                            dropped_readings=seen.dropped_readings,
                        )
                    new_events = sum(insert_dumping_event(conn=conn, event=e) for e in plan.events)
            except psycopg.OperationalError as exc:
                self.stats.db_errors += 1
                log.warning("database unavailable (%s); retrying in %.1f s", exc, delay)
                self._close()
                if self._stop():
                    return False
                time.sleep(delay)  # back-off between reconnect attempts, not a wait for a result
                delay = min(delay * 2, 5.0)
                continue
            except psycopg.Error as exc:
                # The database refused the data itself (a value out of range, a constraint):
                # store the rest and turn the offending message into a dead letter.
                log.warning("batch of %d refused by the database: %s", len(batch), exc)
                return self._write_one_by_one(batch, exc)
            self.stats.received += len(batch)
            self.stats.stored_readings += stored
            self.stats.duplicates += len(plan.readings) - stored
            self.stats.dead_letters += len(plan.dead_letters)
            self.stats.events += new_events
            self.stats.batches += 1
            return True

    def _write_one_by_one(self, batch: Sequence[Inbound], error: psycopg.Error) -> bool:
        if len(batch) > 1:
            return all(self.write([message]) for message in batch)
        message = batch[0]
        conn = self._connection()
        conn.rollback()
        letter = DeadLetter(
            message.topic,
            message.payload,
            "database_refused",
            f"database refused the message: {error}"[:1000],
            None,
        )
        with conn.transaction():
            insert_dead_letters(conn=conn, letters=[letter])
        self.stats.received += 1
        self.stats.dead_letters += 1
        return True

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
