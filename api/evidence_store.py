"""Evidence from camera units: the SQL and the files on disk behind the upload endpoint.

Files are written, encrypted per event, through ``api/evidence_access.py`` (where the enforcement
views read them); the database holds the signed manifest, each file's expected hash and whether
the stored copy was verified.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any, cast

import psycopg
from psycopg.rows import dict_row

from contracts.evidence import EvidenceManifest

Conn = psycopg.Connection[tuple[object, ...]]


@dataclass(frozen=True, slots=True)
class DeviceKey:
    """A camera's active public key."""

    key_id: int
    device_id: str
    public_key: bytes


@dataclass(frozen=True, slots=True)
class StoredManifest:
    """A manifest as accepted."""

    event_id: str
    device_id: str
    manifest: bytes
    manifest_sha256: str
    signature_b64: str


def active_key(*, conn: Conn, device_id: str) -> DeviceKey | None:
    """The registered key of a camera that is not revoked."""
    row = conn.execute(
        """SELECT k.id, k.public_key FROM device_keys k JOIN devices d ON d.id = k.device_id
           WHERE k.device_id = %s AND k.revoked_at IS NULL AND d.revoked_at IS NULL
             AND d.kind = 'camera'""",
        (device_id,),
    ).fetchone()
    if row is None:
        return None
    return DeviceKey(int(str(row[0])), device_id, cast(bytes, row[1]))  # bytea comes back as bytes


def register_key(*, conn: Conn, device_id: str, public_key: bytes) -> int:
    """Make a key the camera's active one (the previous one is revoked, not deleted)."""
    with conn.transaction():
        conn.execute(
            "UPDATE device_keys SET revoked_at = now() WHERE device_id = %s AND revoked_at IS NULL",
            (device_id,),
        )
        row = conn.execute(
            "INSERT INTO device_keys (device_id, public_key) VALUES (%s, %s) RETURNING id",
            (device_id, public_key),
        ).fetchone()
    assert row is not None
    return int(str(row[0]))


def get_manifest(*, conn: Conn, event_id: str) -> StoredManifest | None:
    """The accepted manifest of an event, if any."""
    row = conn.execute(
        """SELECT device_id, manifest, manifest_sha256, signature_b64
           FROM evidence_manifests WHERE event_id = %s""",
        (event_id,),
    ).fetchone()
    if row is None:
        return None
    manifest = cast(bytes, row[1])  # bytea comes back as bytes
    return StoredManifest(event_id, str(row[0]), manifest, str(row[2]), str(row[3]))


def insert_manifest(
    *,
    conn: Conn,
    manifest: EvidenceManifest,
    raw: bytes,
    sha256: str,
    signature_b64: str,
    key_id: int,
) -> None:
    """Store a verified manifest and the files it announces."""
    conn.execute(
        """INSERT INTO evidence_manifests (event_id, device_id, key_id, manifest, manifest_sha256,
               signature_b64, started_at, detected_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s)""",
        (
            manifest.event_id,
            manifest.device_id,
            key_id,
            raw,
            sha256,
            signature_b64,
            manifest.started_at,
            manifest.detected_at,
        ),
    )
    with conn.cursor() as cur:
        cur.executemany(
            """INSERT INTO evidence_files (event_id, name, kind, withheld, sha256, size_bytes)
               VALUES (%s, %s, %s, %s, %s, %s)""",
            [
                (manifest.event_id, f.name, f.kind, False, f.sha256, f.size_bytes)
                for f in manifest.files
            ]
            + [
                (manifest.event_id, w.name, w.kind, True, w.sha256, w.size_bytes)
                for w in manifest.withheld
            ],
        )


def file_state(*, conn: Conn, event_id: str, name: str) -> str | None:
    """``expected`` or ``verified``; None when the manifest lists no such file."""
    row = conn.execute(
        "SELECT state FROM evidence_files WHERE event_id = %s AND name = %s", (event_id, name)
    ).fetchone()
    return None if row is None else str(row[0])


def mark_verified(*, conn: Conn, event_id: str, name: str, path: str) -> None:
    """A file arrived and matches the signed manifest."""
    conn.execute(
        """UPDATE evidence_files SET state = 'verified', path = %s, verified_at = now()
           WHERE event_id = %s AND name = %s""",
        (path, event_id, name),
    )


def record_rejection(*, conn: Conn, event_id: str, name: str, reason: str) -> None:
    """Count a refused upload of a listed file, with the reason."""
    conn.execute(
        """UPDATE evidence_files SET rejections = rejections + 1, last_rejection = %s
           WHERE event_id = %s AND name = %s""",
        (reason[:1000], event_id, name),
    )


def log_access(*, conn: Conn, event_id: str, actor: str, action: str, detail: str = "") -> None:
    """Append to the evidence access log."""
    conn.execute(
        "INSERT INTO evidence_access_log (event_id, actor, action, detail) VALUES (%s, %s, %s, %s)",
        (event_id, actor, action, detail[:1000]),
    )


def unblur_approved(*, conn: Conn, event_id: str) -> bool:
    """Whether a second officer approved a request for this event's originals, still valid."""
    row = conn.execute(
        """SELECT 1 FROM unblur_requests
           WHERE event_id = %s AND approved_at IS NOT NULL AND expires_at > now() LIMIT 1""",
        (event_id,),
    ).fetchone()
    return row is not None


def purged_at(*, conn: Conn, event_id: str) -> datetime | None:
    """When the retention purge deleted an event's evidence; None while it is kept."""
    row = conn.execute(
        "SELECT purged_at FROM evidence_purges WHERE event_id = %s", (event_id,)
    ).fetchone()
    return None if row is None else row[0]  # type: ignore[return-value]  # timestamptz is a datetime


def evidence_summary(*, conn: Conn, event_id: str) -> list[dict[str, Any]]:
    """Every file of an event with its verification state."""
    with conn.cursor(row_factory=dict_row) as cur:
        cur.execute(
            """SELECT name, kind, withheld, sha256, size_bytes, state, verified_at, rejections,
                      last_rejection
               FROM evidence_files WHERE event_id = %s ORDER BY withheld, name""",
            (event_id,),
        )
        return cur.fetchall()


def received_at(*, conn: Conn, event_id: str) -> datetime | None:
    """When the manifest of an event arrived."""
    row = conn.execute(
        "SELECT received_at FROM evidence_manifests WHERE event_id = %s", (event_id,)
    ).fetchone()
    return None if row is None else row[0]  # type: ignore[return-value]  # timestamptz is a datetime
