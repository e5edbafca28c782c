"""The migration runner behind ``nettestad db upgrade``.

Migrations are SQL files in ``contracts/migrations``: ``NNNN_name.sql`` always runs;
``NNNN_name.timescale.sql`` runs after it only on a database with TimescaleDB, and
``NNNN_name.plain.sql`` only on one without. A database keeps the path it was first migrated on,
so the two never mix.

Each applied step records the SHA-256 of the files it ran (``schema_migrations.checksums``, file
name → digest of its text). Every upgrade first checks the applied steps against the files
shipped: an applied file that was changed, added or removed afterwards stops the upgrade before
anything runs (:class:`MigrationChangedError`): a fix goes into a new migration. A database
migrated before checksums were kept gets them recorded at its first upgrade.
"""

from __future__ import annotations

import hashlib
import logging
import re
from dataclasses import dataclass
from enum import StrEnum
from importlib import resources
from importlib.abc import Traversable

import psycopg
from psycopg.rows import class_row
from psycopg.types.json import Jsonb

from db.conn import Conn, connect, ensure_database, timescaledb_installed

log = logging.getLogger(__name__)
_NAME = re.compile(r"^(\d{4})_([a-z0-9_]+)\.sql$")
_LOCK_KEY = 0x6E657474  # advisory lock: two upgrades at once wait for each other


class TimescaleMode(StrEnum):
    """Whether to use TimescaleDB: when available, always, or never."""

    AUTO = "auto"
    ON = "on"
    OFF = "off"


@dataclass(frozen=True, slots=True)
class Migration:
    """One numbered step of the schema, with its path-specific parts."""

    version: str
    name: str
    common: str
    timescale: str
    plain: str

    def files(self, *, timescale: bool) -> dict[str, str]:
        """The files this step runs on the given path: file name → text."""
        stem = f"{self.version}_{self.name}"
        files = {f"{stem}.sql": self.common}
        if timescale and self.timescale:
            files[f"{stem}.timescale.sql"] = self.timescale
        if not timescale and self.plain:
            files[f"{stem}.plain.sql"] = self.plain
        return files

    def checksums(self, *, timescale: bool) -> dict[str, str]:
        """File name → SHA-256 of its text, for the files this step runs on the given path."""
        return {
            name: hashlib.sha256(text.encode("utf-8")).hexdigest()
            for name, text in self.files(timescale=timescale).items()
        }


class MigrationChangedError(RuntimeError):
    """A migration applied to this database differs from the file shipped now."""


@dataclass(frozen=True, slots=True)
class AppliedMigration:
    """A row of ``schema_migrations``."""

    version: str
    name: str
    timescale: bool
    checksums: dict[str, str] | None


def load_migrations(folder: Traversable | None = None) -> list[Migration]:
    """Every migration in ``folder`` (default: the ones shipped with the package), in order."""
    folder = folder or resources.files("contracts") / "migrations"
    files = {entry.name: entry.read_text("utf-8") for entry in folder.iterdir()}
    migrations = []
    for filename in sorted(files):
        match = _NAME.match(filename)
        if not match:
            continue
        version, name = match.groups()
        stem = filename.removesuffix(".sql")
        migrations.append(
            Migration(
                version=version,
                name=name,
                common=files[filename],
                timescale=files.get(f"{stem}.timescale.sql", ""),
                plain=files.get(f"{stem}.plain.sql", ""),
            )
        )
    versions = [m.version for m in migrations]
    if len(versions) != len(set(versions)):
        raise RuntimeError(f"two migrations share a number: {versions}")
    return migrations


def timescale_preloaded(conn: psycopg.Connection[tuple[object, ...]]) -> bool:
    """Whether the server loads TimescaleDB at start (``shared_preload_libraries``).

    Without it, ``CREATE EXTENSION timescaledb`` makes PostgreSQL end the session, so it is
    checked before the extension is ever created.
    """
    try:
        with conn.transaction():  # only superusers (and pg_read_all_settings) may read it
            row = conn.execute("SELECT current_setting('shared_preload_libraries')").fetchone()
    except psycopg.errors.InsufficientPrivilege:
        log.warning("shared_preload_libraries cannot be read by this user; assuming not preloaded")
        return False
    libraries = str(row[0] or "") if row else ""
    return any(lib.strip().strip('"') == "timescaledb" for lib in libraries.split(","))


def timescale_usable(conn: psycopg.Connection[tuple[object, ...]]) -> tuple[bool, str]:
    """(usable, why not): installed on the server and preloaded, or already enabled here."""
    if timescaledb_installed(conn):
        return True, ""
    available = conn.execute(
        "SELECT 1 FROM pg_available_extensions WHERE name = 'timescaledb'"
    ).fetchone()
    if available is None:
        return False, "the server has no timescaledb extension"
    if not timescale_preloaded(conn):
        return False, "timescaledb is installed but not in shared_preload_libraries"
    return True, ""


def _choose_timescale(conn: psycopg.Connection[tuple[object, ...]], mode: TimescaleMode) -> bool:
    if mode is TimescaleMode.OFF:
        return False
    usable, why = timescale_usable(conn)
    if not usable:
        if mode is TimescaleMode.ON:
            raise RuntimeError(f"NETTESTAD_TIMESCALE=on but {why}")
        log.warning("%s; using plain tables", why)
        return False
    try:
        with conn.transaction():
            conn.execute("CREATE EXTENSION IF NOT EXISTS timescaledb")
    except psycopg.OperationalError:
        raise  # the session is gone: nothing to fall back on in this connection
    except psycopg.Error as exc:
        if mode is TimescaleMode.ON:
            raise
        log.warning("timescaledb cannot be enabled (%s); using plain tables", exc)
        return False
    return timescaledb_installed(conn)


@dataclass(frozen=True, slots=True)
class FailedJob:
    """A TimescaleDB background job whose last run failed."""

    job_id: int
    proc_name: str
    last_run_status: str
    detail: str


def failed_jobs(conn: psycopg.Connection[tuple[object, ...]]) -> list[FailedJob]:
    """TimescaleDB jobs whose last run failed (empty on plain tables). A pair of TimescaleDB and
    PostgreSQL versions whose jobs fail shows up here right after a deploy."""
    if not timescaledb_installed(conn):
        return []
    rows = conn.execute(
        """SELECT j.job_id, j.proc_name, s.last_run_status,
                  coalesce((SELECT e.err_message FROM timescaledb_information.job_errors e
                            WHERE e.job_id = j.job_id ORDER BY e.finish_time DESC LIMIT 1), '')
           FROM timescaledb_information.jobs j
           JOIN timescaledb_information.job_stats s USING (job_id)
           WHERE s.last_run_status = 'Failed'
           ORDER BY j.job_id"""
    ).fetchall()
    return [FailedJob(int(str(r[0])), str(r[1]), str(r[2]), str(r[3])) for r in rows]


def _changed(applied: AppliedMigration, migration: Migration) -> str | None:
    """Why an applied step no longer matches its files (one line), or None when it does."""
    stored = applied.checksums or {}
    shipped = migration.checksums(timescale=applied.timescale)
    for name in sorted(stored.keys() | shipped.keys()):
        if name not in shipped:
            return f"migration {name} was applied to this database but is no longer shipped"
        if name not in stored:
            return f"migration {name} was added after step {applied.version} was applied"
        if stored[name] != shipped[name]:
            return f"migration {name} was changed after it was applied to this database"
    return None


def _check_applied(conn: Conn, migrations: list[Migration]) -> list[AppliedMigration]:
    """Verify the applied steps against their files; record checksums where none were kept.

    Raises :class:`MigrationChangedError` naming the first file that differs.
    """
    known = {m.version: m for m in migrations}
    cur = conn.cursor(row_factory=class_row(AppliedMigration))
    applied = cur.execute(
        "SELECT version, name, timescale, checksums FROM schema_migrations ORDER BY version"
    ).fetchall()
    for row in applied:
        migration = known.get(row.version)
        if migration is None:  # a newer release migrated this database: nothing to compare
            log.warning("migration %s_%s is applied but not shipped here", row.version, row.name)
            continue
        if row.checksums is None:
            _record_checksums(conn, row.version, migration.checksums(timescale=row.timescale))
            continue
        if (why := _changed(row, migration)) is not None:
            raise MigrationChangedError(
                f"{why}; restore it as applied and put the change in a new migration"
            )
    return applied


def _record_checksums(conn: Conn, version: str, checksums: dict[str, str]) -> None:
    conn.execute(
        "UPDATE schema_migrations SET checksums = %s WHERE version = %s",
        (Jsonb(checksums), version),
    )


def _ensure_bookkeeping(conn: Conn) -> None:
    """``schema_migrations``, with the checksum column databases migrated before it lack."""
    conn.execute(
        """CREATE TABLE IF NOT EXISTS schema_migrations (
               version text PRIMARY KEY,
               name text NOT NULL,
               timescale boolean NOT NULL,
               applied_at timestamptz NOT NULL DEFAULT now(),
               checksums jsonb)"""
    )
    has_column = conn.execute(
        """SELECT 1 FROM information_schema.columns
           WHERE table_schema = current_schema() AND table_name = 'schema_migrations'
             AND column_name = 'checksums'"""
    ).fetchone()
    if has_column is None:
        conn.execute("ALTER TABLE schema_migrations ADD COLUMN checksums jsonb")


def upgrade(
    url: str,
    *,
    timescale: TimescaleMode = TimescaleMode.AUTO,
    migrations: list[Migration] | None = None,
) -> list[str]:
    """Bring the database up to the newest schema; returns the versions applied.

    ``migrations`` defaults to the ones shipped (``load_migrations()``). Raises
    :class:`MigrationChangedError` before applying anything when an applied file has changed.
    """
    ensure_database(url)
    steps = load_migrations() if migrations is None else migrations
    applied_now: list[str] = []
    with connect(url) as conn:
        conn.execute("SELECT pg_advisory_lock(%s)", (_LOCK_KEY,))
        _ensure_bookkeeping(conn)
        conn.commit()
        applied = _check_applied(conn, steps)  # a refusal ends the session, and its lock
        done = {row.version for row in applied}
        use_timescale = applied[0].timescale if applied else _choose_timescale(conn, timescale)
        conn.commit()
        for migration in steps:
            if migration.version in done:
                continue
            with conn.transaction():
                conn.execute(migration.common.encode())
                extra = migration.timescale if use_timescale else migration.plain
                if extra.strip():
                    conn.execute(extra.encode())
                conn.execute(
                    """INSERT INTO schema_migrations (version, name, timescale, checksums)
                       VALUES (%s, %s, %s, %s)""",
                    (
                        migration.version,
                        migration.name,
                        use_timescale,
                        Jsonb(migration.checksums(timescale=use_timescale)),
                    ),
                )
            log.info("applied migration %s_%s", migration.version, migration.name)
            applied_now.append(migration.version)
        conn.execute("SELECT pg_advisory_unlock(%s)", (_LOCK_KEY,))
        conn.commit()
    return applied_now


def uses_timescale(conn: psycopg.Connection[tuple[object, ...]]) -> bool:
    """Whether this database was migrated on the TimescaleDB path."""
    row = conn.execute(
        "SELECT timescale FROM schema_migrations ORDER BY version LIMIT 1"
    ).fetchone()
    return bool(row and row[0])
