"""The export bundle for a sanctioning officer: evidence, metadata, verification and audit trail.

Pure functions: the caller hands in the rows and file bytes; the result is a ZIP archive whose
``verification.json`` says, for every file, whether its SHA-256 matches what the camera signed,
and whether the device's signature over the manifest checks out.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json
import zipfile
from collections.abc import Sequence
from dataclasses import asdict
from datetime import datetime
from typing import Any

from contracts import EvidenceError, parse_manifest, verify
from db.audit import AuditRow
from db.enforcement import CaseRow, Review


def _json_default(value: object) -> str:
    if isinstance(value, datetime):
        return value.isoformat()
    return str(value)


def verify_files(
    *,
    listed: list[dict[str, Any]],
    files: dict[str, bytes],
    manifest: bytes | None,
    signature_b64: str | None,
    manifest_sha256: str | None,
    public_key: bytes | None,
) -> dict[str, Any]:
    """Check every file against its listed hash and the manifest against the device's signature."""
    results = []
    for item in listed:
        name = str(item.get("name"))
        data = files.get(name)
        actual = hashlib.sha256(data).hexdigest() if data is not None else None
        results.append(
            {
                "name": name,
                "kind": item.get("kind"),
                "expected_sha256": item.get("sha256"),
                "actual_sha256": actual,
                "status": "missing"
                if data is None
                else ("ok" if actual == item.get("sha256") else "hash_mismatch"),
            }
        )
    signature: dict[str, Any]
    if manifest is None:
        signature = {"status": "no_manifest", "detail": "the manifest is not stored"}
    elif manifest_sha256 and hashlib.sha256(manifest).hexdigest() != manifest_sha256:
        signature = {"status": "manifest_hash_mismatch", "detail": "manifest differs from event"}
    elif not signature_b64 or public_key is None:
        signature = {"status": "unverifiable", "detail": "no signature or no device key"}
    else:
        try:
            verify(public_key, manifest, signature_b64)
            signature = {"status": "ok", "detail": "Ed25519 signature over the manifest is valid"}
        except EvidenceError as exc:
            signature = {"status": "invalid", "detail": str(exc)}
    if signature["status"] == "ok" and manifest is not None:
        # The signed manifest is the authority: every file must also match its line there.
        try:
            signed = parse_manifest(manifest)
        except EvidenceError as exc:
            signature = {"status": "invalid", "detail": str(exc)}
        else:
            for r in results:
                entry = signed.entry(str(r["name"]))
                r["in_signed_manifest"] = entry is not None
                if entry is None or entry.sha256 != r["actual_sha256"]:
                    r["status"] = "not_as_signed" if r["status"] == "ok" else r["status"]
    all_ok = signature["status"] == "ok" and all(r["status"] == "ok" for r in results)
    return {"files": results, "manifest_signature": signature, "all_verified": all_ok}


def build(
    *,
    case: CaseRow,
    event: dict[str, Any],
    files: dict[str, bytes],
    verification: dict[str, Any],
    audit: Sequence[AuditRow],
    reviews: Sequence[Review],
) -> bytes:
    """The ZIP archive of one case."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        meta = {"case": asdict(case), "event": event, "reviews": [asdict(r) for r in reviews]}
        archive.writestr("metadata.json", json.dumps(meta, indent=2, default=_json_default))
        archive.writestr(
            "verification.json", json.dumps(verification, indent=2, default=_json_default)
        )
        for name, data in sorted(files.items()):
            archive.writestr(f"evidence/{name}", data)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(["id", "ts", "username", "role", "action", "object_id", "detail"])
        for row in sorted(audit, key=lambda r: r.id):
            writer.writerow(
                [
                    row.id,
                    _json_default(row.ts),
                    row.username,
                    row.role,
                    row.action,
                    row.object_id,
                    json.dumps(row.detail),
                ]
            )
        archive.writestr("audit_trail.csv", out.getvalue())
        sums = "".join(
            f"{hashlib.sha256(archive.read(n)).hexdigest()}  {n}\n" for n in archive.namelist()
        )
        archive.writestr("SHA256SUMS", sums)
    return buffer.getvalue()
