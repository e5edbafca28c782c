"""Topic layout of MQTT contract v1.

Every device owns one subtree, ``{root}/v1/dev/{device_id}/``. What the device sends lives under
``up/``, what the server sends it under ``down/``, so a broker ACL with the pattern
``{root}/v1/dev/%u/up/#`` (write) and ``{root}/v1/dev/%u/down/#`` (read) confines a device to its own
topics.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from enum import StrEnum

CONTRACT_VERSION = "v1"
DEFAULT_ROOT = "nettestad"
DEVICE_ID_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{2,63}$")


class UpKind(StrEnum):
    """What a device publishes."""

    READING = "reading"  # fill readings from a bin sensor (a batch of one or more)
    STATUS = "status"  # device health, also the last will ("offline")
    EVENT = "event"  # a camera unit's dumping event


class DownKind(StrEnum):
    """What the server publishes to a device."""

    CONFIG = "config"  # retained device configuration
    CMD = "cmd"  # one-off commands (OTA, evidence upload request)


@dataclass(frozen=True, slots=True)
class UpTopic:
    """A parsed device-to-server topic."""

    device_id: str
    kind: UpKind


def device_prefix(device_id: str, *, root: str = DEFAULT_ROOT) -> str:
    """The subtree a device owns."""
    return f"{root}/{CONTRACT_VERSION}/dev/{device_id}"


def up_topic(device_id: str, kind: UpKind, *, root: str = DEFAULT_ROOT) -> str:
    """The topic a device publishes ``kind`` messages on."""
    return f"{device_prefix(device_id, root=root)}/up/{kind.value}"


def down_topic(device_id: str, kind: DownKind, *, root: str = DEFAULT_ROOT) -> str:
    """The topic the server publishes ``kind`` messages to a device on."""
    return f"{device_prefix(device_id, root=root)}/down/{kind.value}"


def up_subscription(*, root: str = DEFAULT_ROOT, share_group: str | None = None) -> str:
    """The filter the ingest service subscribes with (all of ``up/``, so a message on a subtopic
    outside the contract is dead-lettered, not lost); a shared subscription when grouped."""
    topic = f"{root}/{CONTRACT_VERSION}/dev/+/up/#"
    return f"$share/{share_group}/{topic}" if share_group else topic


def parse_up_topic(topic: str, *, root: str = DEFAULT_ROOT) -> UpTopic | None:
    """Split a device-to-server topic, or None when it is not one of ours."""
    parts = topic.split("/")
    if len(parts) != 6:
        return None
    r, version, dev, device_id, up, kind = parts
    if (r, version, dev, up) != (root, CONTRACT_VERSION, "dev", "up"):
        return None
    if not DEVICE_ID_PATTERN.match(device_id):
        return None
    try:
        return UpTopic(device_id=device_id, kind=UpKind(kind))
    except ValueError:
        return None
