"""The camera law's one-month limit: evidence that is not part of an open case is deleted.

The detection row stays (the figures count it); its files go, and the purge is logged in
``evidence_purges``. A confirmed case holds its evidence until the case is closed.

Removing an event's files destroys its encryption key first (``api/evidence_access.py``), so the
copies in backups taken before the purge can no longer be opened either.
"""

from __future__ import annotations

import logging
import threading
from datetime import UTC, datetime, timedelta

from psycopg_pool import ConnectionPool

from api import legal_hold
from api.device_commands import CommandSender
from api.evidence_access import EvidenceFiles
from db import Conn, evidence

log = logging.getLogger(__name__)


def purge_expired(
    *, conn: Conn, files: EvidenceFiles, retention_days: int, now: datetime | None = None
) -> list[str]:
    """Delete the files of every detection past retention and not on hold; returns their ids."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=retention_days)
    purged = []
    for row in evidence.purge_candidates(conn=conn, older_than=cutoff):
        removed = files.remove(row.event_id)
        evidence.mark_purged(conn=conn, event_id=row.event_id, files_removed=removed)
        conn.commit()  # one event at a time: a crash midway leaves every finished purge recorded
        purged.append(row.event_id)
    if purged:
        log.info(
            "deleted the evidence of %d detection(s) past %d days", len(purged), retention_days
        )
    return purged


class RetentionWorker:
    """Runs the purge (and re-sends the camera commands the broker missed) at start and every ``interval``."""

    def __init__(
        self,
        pool: ConnectionPool[Conn],
        files: EvidenceFiles,
        *,
        retention_days: int,
        interval: timedelta = timedelta(hours=1),
        commands: CommandSender | None = None,
    ) -> None:
        self.pool = pool
        self.commands = commands
        self.files = files
        self.retention_days = retention_days
        self.interval = interval
        self._stop = threading.Event()
        self._thread = threading.Thread(target=self._run, name="evidence-retention", daemon=True)

    def start(self) -> None:
        """Start the background thread."""
        self._thread.start()

    def stop(self) -> None:
        """Stop and wait for the thread."""
        self._stop.set()
        self._thread.join(10)

    def _run(self) -> None:
        while not self._stop.is_set():
            try:
                with self.pool.connection() as conn:
                    purge_expired(conn=conn, files=self.files, retention_days=self.retention_days)
                    if self.commands is not None:
                        legal_hold.send_pending(conn=conn, commands=self.commands)
                        legal_hold.send_pending_unblur(conn=conn, commands=self.commands)
            except Exception:  # a failed run is logged and retried at the next interval
                log.exception("evidence retention run failed")
            self._stop.wait(self.interval.total_seconds())
