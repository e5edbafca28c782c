"""Evidence from camera units: their keys, the signed manifests, each file's state, purges.

Files are written, encrypted per event, through ``api/evidence_access.py`` (where the enforcement
views read them); the database holds the signed manifest, each file's expected hash and whether
the stored copy was verified. The review of detections, cases and unblur requests: ``db.enforcement``.
"""

from __future__ import annotations

import base64
import binascii
from dataclasses import dataclass
from datetime import datetime
from typing import cast

from psycopg.rows import class_row

from contracts import EvidenceManifest
from db.conn import Conn


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


def purged_at(*, conn: Conn, event_id: str) -> datetime | None:
    """When the retention purge deleted an event's evidence; None while it is kept."""
    row = conn.execute(
        "SELECT purged_at FROM evidence_purges WHERE event_id = %s", (event_id,)
    ).fetchone()
    return None if row is None else row[0]  # type: ignore[return-value]  # timestamptz is a datetime


@dataclass(frozen=True, slots=True)
class SignedManifest:
    """The manifest bytes a camera signed, its signature and the key it was signed with."""

    manifest: bytes
    manifest_sha256: str
    signature_b64: str
    public_key: bytes


def signed_manifest(*, conn: Conn, event_id: str) -> SignedManifest | None:
    """The manifest bytes the camera signed, its signature and the key it was signed with."""
    with conn.cursor(row_factory=class_row(SignedManifest)) as cur:
        cur.execute(
            """SELECT m.manifest, m.manifest_sha256, m.signature_b64, k.public_key
               FROM evidence_manifests m JOIN device_keys k ON k.id = m.key_id
               WHERE m.event_id = %s""",
            (event_id,),
        )
        return cur.fetchone()


@dataclass(frozen=True, slots=True)
class UploadedFile:
    """A file the server verified against the signed manifest."""

    name: str
    kind: str
    withheld: bool
    sha256: str
    size_bytes: int


def uploaded_files(*, conn: Conn, event_id: str) -> list[UploadedFile]:
    """Files the server verified against the signed manifest, unblurred originals included."""
    with conn.cursor(row_factory=class_row(UploadedFile)) as cur:
        cur.execute(
            """SELECT name, kind, withheld, sha256, size_bytes FROM evidence_files
               WHERE event_id = %s AND state = 'verified' ORDER BY withheld, name""",
            (event_id,),
        )
        return cur.fetchall()


def device_public_key(*, conn: Conn, device_id: str) -> bytes | None:
    """The camera's active Ed25519 key, or one written into its config (hex or base64)."""
    active = conn.execute(
        "SELECT public_key FROM device_keys WHERE device_id = %s AND revoked_at IS NULL",
        (device_id,),
    ).fetchone()
    if active is not None:
        return bytes(cast(bytes, active[0]))  # bytea arrives as bytes
    row = conn.execute(
        "SELECT config->>'public_key' FROM devices WHERE id = %s", (device_id,)
    ).fetchone()
    if row is None or not row[0]:
        return None
    text = str(row[0])
    try:
        return bytes.fromhex(text)
    except ValueError:
        try:
            return base64.b64decode(text, validate=True)
        except binascii.Error:
            return None


@dataclass(frozen=True, slots=True)
class PurgeCandidate:
    """A detection whose evidence is past retention and under no legal hold."""

    event_id: str
    device_id: str


def purge_candidates(*, conn: Conn, older_than: datetime) -> list[PurgeCandidate]:
    """Detections whose evidence is past retention and under no legal hold."""
    with conn.cursor(row_factory=class_row(PurgeCandidate)) as cur:
        cur.execute(
            """SELECT e.event_id, e.device_id
               FROM dumping_events e
               LEFT JOIN enforcement_cases c ON c.event_id = e.event_id
               LEFT JOIN evidence_purges p ON p.event_id = e.event_id
               WHERE e.detected_at < %s AND p.event_id IS NULL
                 AND (c.event_id IS NULL OR NOT c.legal_hold)
               ORDER BY e.detected_at""",
            (older_than,),
        )
        return cur.fetchall()


def mark_purged(*, conn: Conn, event_id: str, files_removed: int) -> None:
    """Remember that a detection's evidence is gone."""
    conn.execute(
        """INSERT INTO evidence_purges (event_id, files_removed) VALUES (%s, %s)
           ON CONFLICT (event_id) DO NOTHING""",
        (event_id, files_removed),
    )
