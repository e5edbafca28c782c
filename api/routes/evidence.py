"""Evidence uploads from camera units, verified against the device's registered key.

A camera first PUTs the signed manifest of an event, then each file it lists. Every request is
signed by the device itself (``contracts.evidence.request_headers``), so no user session or
shared secret is involved. A manifest whose signature does not verify, or a file whose hash or
size differs from the signed manifest, is refused with a 4xx and the reason, and the refusal is
logged. Unblurred originals are accepted only while a second officer's approval of a request for
them is valid. Nothing is accepted for an event whose evidence the retention purge deleted: it
would otherwise be kept forever (410, in Dutch).
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Header, HTTPException, Path, Request
from pydantic import BaseModel

from api.deps import DbConn, Evidence
from contracts import (
    HEADER_DEVICE,
    HEADER_MANIFEST_SIGNATURE,
    HEADER_SIGNATURE,
    HEADER_TIMESTAMP,
    EvidenceError,
    check_file,
    check_request,
    parse_manifest,
    sha256_hex,
    verify,
)
from db import Conn, enforcement
from db import evidence as store

log = logging.getLogger(__name__)
router = APIRouter(prefix="/api/v1/evidence", tags=["evidence"])

DevicePath = Annotated[str, Path(pattern=r"^[a-z0-9][a-z0-9-]{2,63}$")]
EventPath = Annotated[str, Path(pattern=r"^[A-Za-z0-9-]{8,64}$")]
NamePath = Annotated[str, Path(pattern=r"^[A-Za-z0-9._-]{1,100}$")]


MAX_SKEW_S = 300  # a device clock may be this far off (NTP on the unit keeps it far closer)
MAX_UPLOAD_BYTES = 200 * 1024 * 1024  # as the contract allows for one file


PURGED = (
    "Het bewijsmateriaal van deze melding werd na de bewaartermijn gewist; "
    "dit bestand wordt niet meer bewaard."
)


async def request_body(request: Request) -> bytes:
    """The raw body, refused early when larger than the upload limit."""
    declared = request.headers.get("content-length")
    if declared is not None and declared.isdigit() and int(declared) > MAX_UPLOAD_BYTES:
        raise HTTPException(413, f"uploads are limited to {MAX_UPLOAD_BYTES} bytes")
    body = await request.body()
    if len(body) > MAX_UPLOAD_BYTES:
        raise HTTPException(413, f"uploads are limited to {MAX_UPLOAD_BYTES} bytes")
    return body


@dataclass(frozen=True, slots=True)
class SignedRequest:
    """A request whose device signature checked out."""

    key: store.DeviceKey
    body: bytes

    @property
    def actor(self) -> str:
        """How the access log names the device."""
        return f"device:{self.key.device_id}"


def signed_device(  # noqa: PLR0917 - FastAPI passes dependencies and headers positionally
    request: Request,
    conn: DbConn,
    body: Annotated[bytes, Depends(request_body)],
    device_id: DevicePath,
    device: Annotated[str | None, Header(alias=HEADER_DEVICE)] = None,
    timestamp: Annotated[str | None, Header(alias=HEADER_TIMESTAMP)] = None,
    signature: Annotated[str | None, Header(alias=HEADER_SIGNATURE)] = None,
) -> SignedRequest:
    """Authenticate the calling camera by its request signature."""
    if not (device and timestamp and signature):
        raise HTTPException(
            401,
            f"device requests must carry {HEADER_DEVICE}, {HEADER_TIMESTAMP} and {HEADER_SIGNATURE}",
        )
    if device != device_id:
        raise HTTPException(403, f"device {device!r} may not upload for device {device_id!r}")
    key = store.active_key(conn=conn, device_id=device)
    if key is None:
        raise HTTPException(401, f"camera {device!r} has no registered key (or is revoked)")
    path = request.scope.get("root_path", "") + request.url.path
    try:
        check_request(
            public_key=key.public_key,
            method=request.method,
            path=path,
            timestamp=timestamp,
            signature_b64=signature,
            body=body,
            now=datetime.now(UTC),
            max_skew_s=MAX_SKEW_S,
        )
    except EvidenceError as exc:
        raise HTTPException(401, str(exc)) from exc
    return SignedRequest(key, body)


Device = Annotated[SignedRequest, Depends(signed_device)]


class Accepted(BaseModel):
    """What the server kept."""

    event_id: str
    name: str
    sha256: str
    state: str


def _refuse(
    conn: Conn, *, status: int, event_id: str, actor: str, reason: str, name: str | None = None
) -> HTTPException:
    """Log a refusal durably (the request's transaction is rolled back) and build the error."""
    conn.rollback()
    if name is not None:
        store.record_rejection(conn=conn, event_id=event_id, name=name, reason=reason)
    store.log_access(
        conn=conn,
        event_id=event_id,
        actor=actor,
        action="rejected",
        detail=f"{name or 'manifest'}: {reason}",
    )
    conn.commit()
    log.warning("evidence refused (%s, %s): %s", event_id, name or "manifest", reason)
    return HTTPException(status, reason)


@router.put(
    "/{device_id}/{event_id}/manifest", summary="Upload an event's signed evidence manifest"
)
def put_manifest(  # noqa: PLR0917 - FastAPI passes path parameters and dependencies positionally
    conn: DbConn,
    caller: Device,
    files: Evidence,
    device_id: DevicePath,
    event_id: EventPath,
    manifest_signature: Annotated[str | None, Header(alias=HEADER_MANIFEST_SIGNATURE)] = None,
) -> Accepted:
    """Verify the manifest's signature with the device key and remember what files to expect."""
    digest = sha256_hex(caller.body)
    if store.purged_at(conn=conn, event_id=event_id) is not None:
        raise _refuse(conn, status=410, event_id=event_id, actor=caller.actor, reason=PURGED)
    existing = store.get_manifest(conn=conn, event_id=event_id)
    if existing is not None:
        if existing.device_id == device_id and existing.manifest_sha256 == digest:
            return Accepted(
                event_id=event_id, name="manifest.json", sha256=digest, state="verified"
            )
        raise HTTPException(409, "a different manifest was already accepted for this event")
    if not manifest_signature:
        raise HTTPException(
            422, f"the manifest's signature is missing ({HEADER_MANIFEST_SIGNATURE})"
        )
    try:
        manifest = parse_manifest(caller.body)
        verify(caller.key.public_key, caller.body, manifest_signature)
        if manifest.device_id != device_id or manifest.event_id != event_id:
            raise EvidenceError("manifest names another device or event than the upload path")
    except EvidenceError as exc:
        raise _refuse(
            conn,
            status=422,
            event_id=event_id,
            actor=caller.actor,
            reason=f"manifest refused: {exc}",
        ) from exc
    store.insert_manifest(
        conn=conn,
        manifest=manifest,
        raw=caller.body,
        sha256=digest,
        signature_b64=manifest_signature,
        key_id=caller.key.key_id,
    )
    # Kept next to the files, so an exported case carries what a court needs to re-check them.
    files.write(event_id, "manifest.json", caller.body)
    files.write(event_id, "manifest.sig", manifest_signature.encode())
    store.log_access(
        conn=conn, event_id=event_id, actor=caller.actor, action="upload_manifest", detail=digest
    )
    return Accepted(event_id=event_id, name="manifest.json", sha256=digest, state="verified")


@router.put("/{device_id}/{event_id}/files/{name}", summary="Upload one evidence file")
def put_file(  # noqa: PLR0917 - FastAPI passes path parameters and dependencies positionally
    conn: DbConn,
    caller: Device,
    files: Evidence,
    device_id: DevicePath,
    event_id: EventPath,
    name: NamePath,
) -> Accepted:
    """Keep a file only when it matches the signed manifest byte for byte."""
    if store.purged_at(conn=conn, event_id=event_id) is not None:
        raise _refuse(
            conn, status=410, event_id=event_id, actor=caller.actor, name=name, reason=PURGED
        )
    stored = store.get_manifest(conn=conn, event_id=event_id)
    if stored is None or stored.device_id != device_id:
        raise HTTPException(409, "upload the event's signed manifest first")
    manifest = parse_manifest(stored.manifest)
    entry = manifest.entry(name)
    if entry is None:
        raise _refuse(
            conn,
            status=422,
            event_id=event_id,
            actor=caller.actor,
            reason=f"{name} is not listed in the signed manifest",
        )
    withheld = entry in manifest.withheld
    if withheld and not enforcement.unblur_approved(conn=conn, event_id=event_id):
        raise _refuse(
            conn,
            status=403,
            event_id=event_id,
            actor=caller.actor,
            name=name,
            reason=f"{name} is an unblurred original and no approved request for it is valid",
        )
    try:
        check_file(entry, caller.body)
    except EvidenceError as exc:
        raise _refuse(
            conn, status=422, event_id=event_id, actor=caller.actor, name=name, reason=str(exc)
        ) from exc
    if store.file_state(conn=conn, event_id=event_id, name=name) != "verified":
        path = files.write(event_id, name, caller.body)
        store.mark_verified(conn=conn, event_id=event_id, name=name, path=path)
        store.log_access(
            conn=conn,
            event_id=event_id,
            actor=caller.actor,
            action="upload_file",
            detail=f"{name} {entry.sha256}",
        )
    return Accepted(event_id=event_id, name=name, sha256=entry.sha256, state="verified")
