"""Backup and restore: the database and the evidence store in one archive (``nettestad backup``).

The archive is an uncompressed tar (the dump is already compressed, evidence is JPEG/MP4):

- ``manifest.json``: when, from which server, schema versions, TimescaleDB or not, the row count
  of each core table and the SHA-256 of every file;
- ``database.dump``: ``pg_dump --format=custom`` of the whole database;
- ``evidence/...``: the evidence store's files, as stored: each encrypted with a key of its
  event (``api/evidence_access.py``).

The per-event keys are never part of a backup: they live in their own folder, which the
scheduler (where backups run) does not even mount. The retention purge destroys an event's key;
from then on the copies of its files in every earlier backup are ciphertext nothing can open,
and a restore brings back only what the live key folder still opens (crypto-shredding,
docs/operations.md "Backups and the one-month limit"). Files stored before encryption at rest
have no key to destroy; the manifest counts them, the command warns, and
``nettestad backup seal-evidence`` encrypts them in place.

The row counts are taken in the very snapshot ``pg_dump`` dumps (``pg_export_snapshot``), so a
backup taken while ingest writes is consistent, and a restore proves that every row came back.
The database is dumped before the evidence is copied: a file a dumped row refers to was on disk
before the snapshot, so it is in the archive.
"""

from __future__ import annotations

import hashlib
import json
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

from db import Conn, connect, database_name, ensure_database, maintenance, timescaledb_installed

FORMAT_VERSION = 1
ROLES_MIGRATION = "0060"  # the audit log's owner role and the services' grants
# Tables whose row counts are recorded and checked after a restore.
COUNTED_TABLES = ("bins", "devices", "hotspots", "fill_readings", "dumping_events")


class BackupError(RuntimeError):
    """A backup or restore that cannot go on, with the reason."""


@dataclass(frozen=True, slots=True)
class PgTools:
    """``pg_dump`` and ``pg_restore`` of a version that can handle the server."""

    pg_dump: str
    pg_restore: str


def _tool_major(path: str) -> int:
    # S603: the path is a PostgreSQL client tool found by this module, not user input
    out = subprocess.run(  # noqa: S603
        [path, "--version"], capture_output=True, text=True, check=True
    ).stdout
    match = re.search(r"(\d+)(?:\.\d+)?", out)
    if match is None:
        raise BackupError(f"cannot tell the version of {path}: {out!r}")
    return int(match.group(1))


def find_pg_tools(server_major: int) -> PgTools:
    """The client tools of the server's major version (a newer one as a fallback)."""
    candidates = []
    if bin_dir := os.environ.get("NETTESTAD_PG_BIN_DIR"):
        candidates.append(Path(bin_dir))
    candidates.append(Path(f"/usr/lib/postgresql/{server_major}/bin"))  # Debian's layout
    for folder in candidates:
        if (folder / "pg_dump").is_file() and (folder / "pg_restore").is_file():
            return PgTools(str(folder / "pg_dump"), str(folder / "pg_restore"))
    dump, restore = shutil.which("pg_dump"), shutil.which("pg_restore")
    if dump and restore and _tool_major(dump) >= server_major:
        return PgTools(dump, restore)
    raise BackupError(
        f"no pg_dump/pg_restore for PostgreSQL {server_major}: install the client tools of that "
        "version or set NETTESTAD_PG_BIN_DIR"
    )


def _libpq_env(url: str) -> tuple[str, dict[str, str]]:
    """The URL without its password, and an environment carrying it (keeps it off ``ps``)."""
    parts = urlsplit(url)
    env = dict(os.environ)
    if parts.password is not None:
        env["PGPASSWORD"] = parts.password
        user = parts.username or ""
        host = parts.hostname or ""
        if ":" in host:
            host = f"[{host}]"
        port = f":{parts.port}" if parts.port else ""
        parts = parts._replace(netloc=f"{user}@{host}{port}" if user else f"{host}{port}")
    return urlunsplit(parts), env


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _encrypted(path: Path) -> bool:
    """Whether an evidence file is sealed with its event's key (``api/evidence_access.py``)."""
    from api import MAGIC

    with path.open("rb") as stream:
        return stream.read(len(MAGIC)) == MAGIC


def _count_rows(conn: Conn) -> dict[str, int]:
    return maintenance.row_counts(conn=conn, tables=COUNTED_TABLES)


def _server_major(conn: Conn) -> int:
    return int(conn.info.server_version) // 10000


# --- create -------------------------------------------------------------------------------------
def create_backup(*, database_url: str, out: Path, evidence_dir: Path | None) -> dict[str, object]:
    """Write a backup archive to ``out``; returns its manifest."""
    with tempfile.TemporaryDirectory(prefix="nettestad-backup-", dir=out.parent) as tmp:
        dump = Path(tmp) / "database.dump"
        with connect(database_url) as conn:
            tools = find_pg_tools(_server_major(conn))
            # One snapshot for the counts and the dump: both see exactly the same rows.
            snapshot = maintenance.begin_snapshot(conn=conn)
            counts = _count_rows(conn)
            timescale = timescaledb_installed(conn)
            versions = maintenance.schema_versions(conn=conn)
            url, env = _libpq_env(database_url)
            result = subprocess.run(  # noqa: S603 - fixed argument list, no shell
                [
                    tools.pg_dump,
                    "--format=custom",
                    f"--snapshot={snapshot}",
                    f"--file={dump}",
                    f"--dbname={url}",
                ],
                env=env,
                capture_output=True,
                text=True,
                check=False,
            )
            conn.rollback()
            server_version = conn.info.server_version
        if result.returncode != 0:
            raise BackupError(f"pg_dump failed: {result.stderr.strip()}")
        files: dict[str, str] = {"database.dump": _sha256(dump)}
        evidence: list[Path] = []
        unencrypted = 0
        if evidence_dir is not None:
            if not evidence_dir.is_dir():
                raise BackupError(f"the evidence folder {evidence_dir} does not exist")
            evidence = sorted(p for p in evidence_dir.rglob("*") if p.is_file())
            for path in evidence:
                files[f"evidence/{path.relative_to(evidence_dir).as_posix()}"] = _sha256(path)
                unencrypted += not _encrypted(path)
        manifest: dict[str, object] = {
            "format": FORMAT_VERSION,
            "created_at": datetime.now(UTC).isoformat(),
            "database": database_name(database_url),
            "server_version_num": server_version,
            "timescaledb": timescale,
            "schema_versions": versions,
            "row_counts": counts,
            "evidence_included": evidence_dir is not None,
            "evidence_keys_included": False,
            "evidence_unencrypted_files": unencrypted,
            "files": files,
        }
        manifest_path = Path(tmp) / "manifest.json"
        manifest_path.write_text(json.dumps(manifest, indent=2), "utf-8")
        partial = Path(tmp) / "archive.tar"
        with tarfile.open(partial, "w") as archive:
            archive.add(manifest_path, "manifest.json")
            archive.add(dump, "database.dump")
            for path in evidence:
                assert evidence_dir is not None
                archive.add(path, f"evidence/{path.relative_to(evidence_dir).as_posix()}")
        partial.replace(out)  # a half-written archive never carries the final name
    return manifest


# --- restore ------------------------------------------------------------------------------------
@contextmanager
def _unpacked(archive_path: Path) -> Iterator[tuple[Path, dict[str, object]]]:
    with tempfile.TemporaryDirectory(prefix="nettestad-restore-") as tmp:
        folder = Path(tmp)
        with tarfile.open(archive_path, "r") as archive:
            archive.extractall(folder, filter="data")  # refuses absolute paths and ../
        manifest = json.loads((folder / "manifest.json").read_text("utf-8"))
        if manifest.get("format") != FORMAT_VERSION:
            raise BackupError(f"unknown backup format {manifest.get('format')!r}")
        files = manifest["files"]
        assert isinstance(files, dict)
        for name, expected in files.items():
            path = folder / name
            if not path.is_file() or _sha256(path) != expected:
                raise BackupError(f"{name} is missing or damaged in {archive_path}")
        yield folder, manifest


def _require_empty(url: str) -> None:
    ensure_database(url)
    with connect(url) as conn:
        tables = maintenance.user_tables(conn=conn)
    if tables > 0:
        raise BackupError(
            f"database {database_name(url)!r} is not empty: restore into a new database"
        )


def _reapply_roles(conn: Conn, manifest: dict[str, object]) -> None:
    """Give the audit log back to its own role and the services their grants.

    ``pg_restore --no-owner --no-privileges`` leaves every object owned by the restoring role
    with no grants (the roles may not exist on a new server); the migration that set them up is
    idempotent, so it runs again.
    """
    from db import load_migrations

    versions = manifest.get("schema_versions")
    if not isinstance(versions, list) or ROLES_MIGRATION not in versions:
        return
    step = next(m for m in load_migrations() if m.version == ROLES_MIGRATION)
    maintenance.run_script(conn=conn, script=step.common)


def restore_backup(
    *, archive: Path, database_url: str, evidence_dir: Path | None
) -> dict[str, int]:
    """Restore an archive into an empty database (and evidence folder); returns the row counts."""
    if evidence_dir is not None and evidence_dir.exists() and any(evidence_dir.iterdir()):
        raise BackupError(f"the evidence folder {evidence_dir} is not empty")
    with _unpacked(archive) as (folder, manifest):
        _require_empty(database_url)
        timescale = bool(manifest.get("timescaledb"))
        with connect(database_url, autocommit=True) as conn:
            tools = find_pg_tools(_server_major(conn))
            if timescale:
                # TimescaleDB's own restore procedure: catalog first, background jobs paused.
                maintenance.timescale_pre_restore(conn=conn)
        url, env = _libpq_env(database_url)
        result = subprocess.run(  # noqa: S603 - fixed argument list, no shell
            [
                tools.pg_restore,
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                f"--dbname={url}",
                str(folder / "database.dump"),
            ],
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        with connect(database_url, autocommit=True) as conn:
            if timescale:
                maintenance.timescale_post_restore(conn=conn)
            if result.returncode != 0:
                raise BackupError(f"pg_restore failed: {result.stderr.strip()}")
            _reapply_roles(conn, manifest)
            counts = _count_rows(conn)
        expected = manifest.get("row_counts")
        if counts != expected:
            raise BackupError(f"restored row counts {counts} differ from the backup's {expected}")
        if evidence_dir is not None and (folder / "evidence").is_dir():
            evidence_dir.mkdir(parents=True, exist_ok=True)
            shutil.copytree(folder / "evidence", evidence_dir, dirs_exist_ok=True)
    return counts
