"""Evidence manifests and device signatures, shared by the camera unit and the server.

A camera unit describes one dumping event's evidence in a manifest: every file with its SHA-256
and size, those it uploads at once (blurred) and those it withholds (the unblurred originals,
kept encrypted on the device). It signs the manifest's exact bytes with its Ed25519 key; the
server, and later a court, checks the signature against the device's registered public key and
every file against the manifest. The same key signs the device's HTTP requests, so an upload
needs no shared secret.

Pure functions only: no I/O besides what the caller hands in.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import json
from datetime import datetime
from typing import Annotated, Literal

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StringConstraints, ValidationError

from contracts.payloads import DeviceId, EvidenceFile, Sha256Hex

MANIFEST_VERSION = 1
REQUEST_SCHEME = "NETTESTAD-ED25519-V1"
MAX_MANIFEST_BYTES = 64 * 1024
# Device request headers: who signs, when, and the signature over the canonical request.
HEADER_DEVICE = "X-Nettestad-Device"
HEADER_TIMESTAMP = "X-Nettestad-Timestamp"
HEADER_SIGNATURE = "X-Nettestad-Signature"
# The manifest's own signature travels in this header when the manifest is uploaded.
HEADER_MANIFEST_SIGNATURE = "X-Nettestad-Manifest-Signature"

EventId = Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9-]{8,64}$")]


class WithheldFile(BaseModel):
    """An unblurred original that stays on the device until an authorised request."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    name: Annotated[str, StringConstraints(pattern=r"^[A-Za-z0-9._-]{1,100}$")]
    kind: Literal["raw_before", "raw_during", "raw_after"]
    sha256: Sha256Hex
    size_bytes: int = Field(ge=0, le=200 * 1024 * 1024)


class EvidenceManifest(BaseModel):
    """What a camera unit signs for one event."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    version: Literal[1] = 1
    device_id: DeviceId
    event_id: EventId
    hotspot_id: str = Field(min_length=1, max_length=64)
    started_at: AwareDatetime
    detected_at: AwareDatetime
    created_at: AwareDatetime
    files: list[EvidenceFile] = Field(min_length=1, max_length=31)
    withheld: list[WithheldFile] = Field(default_factory=list, max_length=16)

    def entry(self, name: str) -> EvidenceFile | WithheldFile | None:
        """The manifest's line for a file name, if it lists one."""
        items: list[EvidenceFile | WithheldFile] = [*self.files, *self.withheld]
        for item in items:
            if item.name == name:
                return item
        return None


class EvidenceError(ValueError):
    """Evidence that does not check out, with a reason a person can act on."""


def sha256_hex(data: bytes) -> str:
    """Lower-case hex SHA-256 of some bytes."""
    return hashlib.sha256(data).hexdigest()


def manifest_bytes(manifest: EvidenceManifest) -> bytes:
    """The canonical bytes that are hashed and signed: sorted keys, no spaces, UTF-8."""
    data = manifest.model_dump(mode="json")
    return json.dumps(data, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def parse_manifest(data: bytes) -> EvidenceManifest:
    """Read manifest bytes as uploaded; raises ``EvidenceError`` with the reason."""
    if len(data) > MAX_MANIFEST_BYTES:
        raise EvidenceError(f"manifest is {len(data)} bytes, the limit is {MAX_MANIFEST_BYTES}")
    try:
        manifest = EvidenceManifest.model_validate_json(data)
    except ValidationError as exc:
        first = exc.errors(include_url=False)[0]
        where = ".".join(str(p) for p in first["loc"]) or "(root)"
        raise EvidenceError(f"manifest is invalid: {where}: {first['msg']}") from exc
    if manifest_bytes(manifest) != data:
        # Only the canonical form is accepted, so the stored bytes are exactly what was signed
        # and anyone can recompute the hash from the parsed manifest.
        raise EvidenceError("manifest is not in canonical form (sorted keys, no whitespace)")
    names = [f.name for f in manifest.files] + [w.name for w in manifest.withheld]
    if len(names) != len(set(names)):
        raise EvidenceError("manifest lists a file name twice")
    return manifest


def public_key_bytes(key: Ed25519PrivateKey | Ed25519PublicKey) -> bytes:
    """The 32 raw bytes of an Ed25519 public key."""
    public = key.public_key() if isinstance(key, Ed25519PrivateKey) else key
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    return public.public_bytes(Encoding.Raw, PublicFormat.Raw)


def load_public_key(raw: bytes) -> Ed25519PublicKey:
    """An Ed25519 public key from its 32 raw bytes."""
    if len(raw) != 32:
        raise EvidenceError(f"an Ed25519 public key has 32 bytes, not {len(raw)}")
    return Ed25519PublicKey.from_public_bytes(raw)


def sign(private_key: Ed25519PrivateKey, data: bytes) -> str:
    """Base64 Ed25519 signature over some bytes."""
    return base64.b64encode(private_key.sign(data)).decode("ascii")


def verify(public_key: bytes, data: bytes, signature_b64: str) -> None:
    """Check a base64 signature; raises ``EvidenceError`` when it does not match."""
    try:
        signature = base64.b64decode(signature_b64, validate=True)
    except (binascii.Error, ValueError) as exc:
        raise EvidenceError("signature is not valid base64") from exc
    try:
        load_public_key(public_key).verify(signature, data)
    except InvalidSignature as exc:
        raise EvidenceError("signature does not match the device's registered key") from exc


def check_file(entry: EvidenceFile | WithheldFile, data: bytes) -> None:
    """Check an uploaded file against its manifest line; raises ``EvidenceError`` with why."""
    if len(data) != entry.size_bytes:
        raise EvidenceError(
            f"{entry.name}: {len(data)} bytes uploaded, the signed manifest says {entry.size_bytes}"
        )
    digest = sha256_hex(data)
    if digest != entry.sha256:
        raise EvidenceError(
            f"{entry.name}: SHA-256 is {digest}, the signed manifest says {entry.sha256}"
            " (the file was altered)"
        )


def request_message(*, method: str, path: str, timestamp: str, body: bytes) -> bytes:
    """The canonical text a device signs for one HTTP request."""
    return "\n".join([REQUEST_SCHEME, method.upper(), path, timestamp, sha256_hex(body)]).encode()


def request_headers(
    *,
    private_key: Ed25519PrivateKey,
    device_id: str,
    method: str,
    path: str,
    body: bytes,
    now: datetime,
) -> dict[str, str]:
    """Headers that authenticate one request as coming from the device holding the key."""
    timestamp = str(int(now.timestamp()))
    message = request_message(method=method, path=path, timestamp=timestamp, body=body)
    return {
        HEADER_DEVICE: device_id,
        HEADER_TIMESTAMP: timestamp,
        HEADER_SIGNATURE: sign(private_key, message),
    }


def check_request(
    *,
    public_key: bytes,
    method: str,
    path: str,
    timestamp: str,
    signature_b64: str,
    body: bytes,
    now: datetime,
    max_skew_s: int,
) -> None:
    """Check a device request's signature and freshness; raises ``EvidenceError`` with why."""
    try:
        sent = int(timestamp)
    except ValueError as exc:
        raise EvidenceError(f"{HEADER_TIMESTAMP} must be Unix seconds") from exc
    skew = abs(now.timestamp() - sent)
    if skew > max_skew_s:
        raise EvidenceError(
            f"request time is {skew:.0f} s away from the server clock (at most {max_skew_s} s)"
        )
    message = request_message(method=method, path=path, timestamp=timestamp, body=body)
    try:
        verify(public_key, message, signature_b64)
    except EvidenceError as exc:
        raise EvidenceError(f"request {exc}") from exc
