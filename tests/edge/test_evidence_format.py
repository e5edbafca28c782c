"""The evidence manifest and device signatures that camera and server share."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from contracts.evidence import (
    EvidenceError,
    EvidenceManifest,
    check_file,
    check_request,
    manifest_bytes,
    parse_manifest,
    public_key_bytes,
    request_headers,
    sha256_hex,
    sign,
    verify,
)
from contracts.payloads import EvidenceFile

NOW = datetime(2026, 11, 28, 21, 41, tzinfo=UTC)
FRAME = b"\xff\xd8 pretend jpeg \xff\xd9"


def _manifest() -> EvidenceManifest:
    return EvidenceManifest(
        device_id="cam-0001",
        event_id="0f6a3d2c-4b1e-4c55-9d0e-7a1c2b3d4e5f",
        hotspot_id="HS-01",
        started_at=NOW - timedelta(seconds=30),
        detected_at=NOW,
        created_at=NOW,
        files=[
            EvidenceFile(
                name="during.jpg",
                kind="frame_during",
                sha256=sha256_hex(FRAME),
                size_bytes=len(FRAME),
            )
        ],
    )


def test_manifest_round_trips_through_its_canonical_bytes() -> None:
    """Parsing the signed bytes gives back the same manifest, and only the canonical form is accepted."""
    manifest = _manifest()
    signed = manifest_bytes(manifest)
    assert parse_manifest(signed) == manifest
    with pytest.raises(EvidenceError, match="canonical"):
        parse_manifest(signed.replace(b",", b", ", 1))
    with pytest.raises(EvidenceError, match="invalid"):
        parse_manifest(b'{"version": 1}')


def test_signature_verifies_only_with_the_signing_key_and_unchanged_bytes() -> None:
    """A manifest signature fails for another key or for a single changed byte."""
    key = Ed25519PrivateKey.generate()
    signed = manifest_bytes(_manifest())
    signature = sign(key, signed)
    verify(public_key_bytes(key), signed, signature)
    with pytest.raises(EvidenceError, match="does not match"):
        verify(public_key_bytes(Ed25519PrivateKey.generate()), signed, signature)
    with pytest.raises(EvidenceError, match="does not match"):
        verify(public_key_bytes(key), signed.replace(b"HS-01", b"HS-02"), signature)
    with pytest.raises(EvidenceError, match="base64"):
        verify(public_key_bytes(key), signed, "not base64!")


def test_a_file_is_checked_against_its_manifest_line() -> None:
    """An altered file is refused with both hashes named; a truncated one with both sizes."""
    entry = _manifest().files[0]
    check_file(entry, FRAME)
    altered = FRAME[:-3] + b"X" + FRAME[-2:]
    with pytest.raises(EvidenceError, match=r"SHA-256 is .* the signed manifest says"):
        check_file(entry, altered)
    with pytest.raises(EvidenceError, match="bytes uploaded"):
        check_file(entry, FRAME[:-1])


def test_request_signatures_bind_path_body_and_time() -> None:
    """A signed request checks out, but not with another body, path, or a stale clock."""
    key = Ed25519PrivateKey.generate()
    public = public_key_bytes(key)
    headers = request_headers(
        private_key=key, device_id="cam-0001", method="PUT", path="/a/b", body=b"x", now=NOW
    )
    common = {
        "public_key": public,
        "method": "PUT",
        "timestamp": headers["X-Nettestad-Timestamp"],
        "signature_b64": headers["X-Nettestad-Signature"],
        "max_skew_s": 300,
    }
    check_request(path="/a/b", body=b"x", now=NOW, **common)  # type: ignore[arg-type]
    with pytest.raises(EvidenceError, match="request signature"):
        check_request(path="/a/b", body=b"y", now=NOW, **common)  # type: ignore[arg-type]
    with pytest.raises(EvidenceError, match="request signature"):
        check_request(path="/a/c", body=b"x", now=NOW, **common)  # type: ignore[arg-type]
    with pytest.raises(EvidenceError, match="away from the server clock"):
        check_request(path="/a/b", body=b"x", now=NOW + timedelta(minutes=10), **common)  # type: ignore[arg-type]
