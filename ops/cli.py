"""``nettestad backup create|restore|seal-evidence``."""

from __future__ import annotations

import argparse
import os
import sys
import tarfile
from pathlib import Path

import psycopg

from ops.backup import BackupError, create_backup, restore_backup


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``backup`` subcommands."""
    backup = subparsers.add_parser("backup", help="back up or restore database and evidence")
    sub = backup.add_subparsers(dest="backup_command", required=True)
    evidence_default = os.environ.get("NETTESTAD_EVIDENCE_DIR")
    create = sub.add_parser("create", help="write a backup archive")
    create.add_argument("--out", type=Path, required=True, help="the archive to write (.tar)")
    create.add_argument(
        "--evidence-dir",
        type=Path,
        default=evidence_default,
        help="the evidence store (default: NETTESTAD_EVIDENCE_DIR; none when unset)",
    )
    create.set_defaults(handler=_create)
    restore = sub.add_parser("restore", help="restore an archive into an empty database")
    restore.add_argument("archive", type=Path)
    restore.add_argument(
        "--database-url", default=None, help="target database (default: NETTESTAD_DATABASE_URL)"
    )
    restore.add_argument(
        "--evidence-dir",
        type=Path,
        default=None,
        help="an empty folder for the evidence (no default: a restore never writes into a live store)",
    )
    restore.set_defaults(handler=_restore)
    seal = sub.add_parser(
        "seal-evidence",
        help="encrypt evidence files stored before encryption at rest, so the purge can shred them",
    )
    seal.add_argument("--evidence-dir", type=Path, default=evidence_default)
    seal.add_argument(
        "--key-dir",
        type=Path,
        default=os.environ.get("NETTESTAD_EVIDENCE_KEY_DIR"),
        help="the per-event keys (default: NETTESTAD_EVIDENCE_KEY_DIR, else <evidence-dir>-keys)",
    )
    seal.set_defaults(handler=_seal)


def _database_url(explicit: str | None) -> str:
    if explicit:
        return explicit
    # Backups and restores run with the owner's URL (the `tools` service in deploy/), under the
    # production checks every service has.
    from config import ServiceSettings

    return ServiceSettings().database_url.get_secret_value()


def _create(args: argparse.Namespace) -> int:
    try:
        manifest = create_backup(
            database_url=_database_url(None), out=args.out, evidence_dir=args.evidence_dir
        )
    except (BackupError, psycopg.Error) as exc:
        print(f"backup failed: {exc}", file=sys.stderr)
        return 1
    files = manifest["files"]
    assert isinstance(files, dict)
    print(f"wrote {args.out}: rows {manifest['row_counts']}, {len(files) - 1} evidence file(s)")
    if manifest["evidence_unencrypted_files"]:
        print(
            f"warning: {manifest['evidence_unencrypted_files']} evidence file(s) are not "
            "encrypted per event; the purge cannot shred their copies in this backup",
            file=sys.stderr,
        )
    return 0


def _seal(args: argparse.Namespace) -> int:
    from api import DirectoryEvidence

    if args.evidence_dir is None or not args.evidence_dir.is_dir():
        print("seal-evidence needs an existing --evidence-dir", file=sys.stderr)
        return 2
    try:
        count = DirectoryEvidence(args.evidence_dir, key_root=args.key_dir).seal_existing()
    except (OSError, ValueError) as exc:
        print(f"sealing failed: {exc}", file=sys.stderr)
        return 1
    print(f"sealed {count} evidence file(s) with their event's key")
    return 0


def _restore(args: argparse.Namespace) -> int:
    try:
        counts = restore_backup(
            archive=args.archive,
            database_url=_database_url(args.database_url),
            evidence_dir=args.evidence_dir,
        )
    except (BackupError, psycopg.Error, tarfile.TarError, OSError) as exc:
        print(f"restore failed: {exc}", file=sys.stderr)
        return 1
    print(f"restored {args.archive}: rows {counts} (checked against the backup)")
    return 0
