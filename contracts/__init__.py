"""What the parts of nettestad agree on: the MQTT contract (topics, payloads, decoding), the
evidence manifest and the database schema's SQL files. Pure: no I/O, no platform code.

The evidence manifest needs ``cryptography``, which the core install (a provisioning laptop)
lacks: its names load on first use, so ``import contracts`` works everywhere.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from contracts.decode import Decoded, RejectCode, Rejected, check_window, decode
from contracts.payloads import (
    MAX_PAYLOAD_BYTES,
    ContainerStatus,
    DeviceId,
    DeviceStatus,
    DumpingEvent,
    EvidenceFile,
    FillReading,
    Quality,
    ReadingBatch,
    Sha256Hex,
)
from contracts.topics import (
    CONTRACT_VERSION,
    DEFAULT_ROOT,
    DEVICE_ID_PATTERN,
    DownKind,
    UpKind,
    down_topic,
    parse_up_topic,
    up_subscription,
    up_topic,
)

if TYPE_CHECKING:
    from contracts.evidence import (
        HEADER_DEVICE,
        HEADER_MANIFEST_SIGNATURE,
        HEADER_SIGNATURE,
        HEADER_TIMESTAMP,
        EventId,
        EvidenceError,
        EvidenceManifest,
        WithheldFile,
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

_EVIDENCE = frozenset(
    {
        "HEADER_DEVICE",
        "HEADER_MANIFEST_SIGNATURE",
        "HEADER_SIGNATURE",
        "HEADER_TIMESTAMP",
        "EventId",
        "EvidenceError",
        "EvidenceManifest",
        "WithheldFile",
        "check_file",
        "check_request",
        "manifest_bytes",
        "parse_manifest",
        "public_key_bytes",
        "request_headers",
        "sha256_hex",
        "sign",
        "verify",
    }
)


def __getattr__(name: str) -> Any:
    """The evidence manifest's names, imported when first asked for."""
    if name in _EVIDENCE:
        return getattr(importlib.import_module("contracts.evidence"), name)
    raise AttributeError(f"module 'contracts' has no attribute {name!r}")


__all__ = [
    "CONTRACT_VERSION",
    "DEFAULT_ROOT",
    "DEVICE_ID_PATTERN",
    "HEADER_DEVICE",
    "HEADER_MANIFEST_SIGNATURE",
    "HEADER_SIGNATURE",
    "HEADER_TIMESTAMP",
    "MAX_PAYLOAD_BYTES",
    "ContainerStatus",
    "Decoded",
    "DeviceId",
    "DeviceStatus",
    "DownKind",
    "DumpingEvent",
    "EventId",
    "EvidenceError",
    "EvidenceFile",
    "EvidenceManifest",
    "FillReading",
    "Quality",
    "ReadingBatch",
    "RejectCode",
    "Rejected",
    "Sha256Hex",
    "UpKind",
    "WithheldFile",
    "check_file",
    "check_request",
    "check_window",
    "decode",
    "down_topic",
    "manifest_bytes",
    "parse_manifest",
    "parse_up_topic",
    "public_key_bytes",
    "request_headers",
    "sha256_hex",
    "sign",
    "up_subscription",
    "up_topic",
    "verify",
]
