"""The uplink JSON of the two network servers' MQTT integrations, parsed into one ``Uplink``.

ChirpStack v4 publishes on ``application/{application_id}/device/{dev_eui}/event/up`` (JSON from
the Protobuf JSON mapping: ``deviceInfo.devEui``, ``fCnt``, ``fPort``, ``data`` in base64, ``time``,
``rxInfo[].rssi``); The Things Stack v3 on ``v3/{application id}@{tenant id}/devices/{device id}/up``
(``end_device_ids.dev_eui``, ``uplink_message.f_cnt``, ``f_port``, ``frm_payload``,
``received_at``). Both leave out fields that hold their default (a frame counter of 0 is absent),
so a missing counter is 0. Everything sits under a prefix (by default ``{root}/lns/``) so the
network server's account can be confined to its own topics.

Pure functions; never raise on any input.
"""

from __future__ import annotations

import base64
import binascii
import json
import re
from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum
from typing import Any

MAX_UPLINK_BYTES = 64 * 1024
_EUI = re.compile(r"^[0-9a-fA-F]{16}$")
_SEGMENT = re.compile(r"^[^/+#]{1,200}$")


class Network(StrEnum):
    """Which network server's integration sent an uplink."""

    CHIRPSTACK = "chirpstack"
    TTS = "tts"


class Refusal(StrEnum):
    """Why a LoRaWAN message was not stored; the dead letter's code."""

    BAD_TOPIC = "bad_topic"
    OVERSIZED = "oversized"
    NOT_JSON = "not_json"
    INVALID = "invalid_payload"
    DEVICE_MISMATCH = "device_mismatch"
    UNKNOWN_DEVICE = "unknown_device"
    WRONG_PORT = "wrong_port"
    UNDECODABLE = "undecodable_payload"
    FCNT_REPLAY = "fcnt_replay"
    STALE_FRAME = "stale_frame"


@dataclass(frozen=True, slots=True)
class Refused:
    """A message that cannot be stored, with a reason a person can act on."""

    code: Refusal
    reason: str
    dev_eui: str | None = None


@dataclass(frozen=True, slots=True)
class Uplink:
    """One uplink frame as the network server reports it."""

    network: Network
    dev_eui: str  # 16 lower-case hex digits
    application: str  # ChirpStack application id, or TTS "{application id}@{tenant id}"
    lns_device_id: str  # ChirpStack: the DevEUI; TTS: its own device id
    f_cnt: int
    f_port: int
    data: bytes
    time: datetime  # network server's reception time: the reading's time
    rssi_dbm: int | None  # best gateway


@dataclass(frozen=True, slots=True)
class Topics:
    """Where the network servers' uplinks and downlinks live, under one prefix."""

    prefix: str  # "" or ending in "/"

    def subscriptions(self, share_group: str | None = None) -> list[str]:
        """The filters ingest subscribes with (shared when grouped)."""
        filters = [
            f"{self.prefix}application/+/device/+/event/up",
            f"{self.prefix}v3/+/devices/+/up",
        ]
        return [f"$share/{share_group}/{f}" if share_group else f for f in filters]

    def split(self, topic: str) -> tuple[Network, str, str] | None:
        """(network, application, device part) of an uplink topic, None when not one."""
        if not topic.startswith(self.prefix):
            return None
        parts = topic[len(self.prefix) :].split("/")
        if len(parts) == 6 and (parts[0], parts[2], parts[4], parts[5]) == (
            "application", "device", "event", "up",
        ):  # fmt: skip
            network = Network.CHIRPSTACK
        elif len(parts) == 5 and (parts[0], parts[2], parts[4]) == ("v3", "devices", "up"):
            network = Network.TTS
        else:
            return None
        if not (_SEGMENT.match(parts[1]) and _SEGMENT.match(parts[3])):
            return None
        return network, parts[1], parts[3]

    def claims(self, topic: str) -> bool:
        """Whether a topic is a network server's uplink (and not a device's own)."""
        return self.split(topic) is not None

    def lane_key(self, topic: str) -> str:
        """What keeps one device's uplinks in order: its device part of the topic."""
        split = self.split(topic)
        return split[2] if split else topic

    def chirpstack_down(self, application: str, dev_eui: str) -> str:
        """ChirpStack's downlink queue topic for a device."""
        return f"{self.prefix}application/{application}/device/{dev_eui}/command/down"

    def tts_down(self, application: str, device_id: str) -> str:
        """The Things Stack's downlink push topic for a device."""
        return f"{self.prefix}v3/{application}/devices/{device_id}/down/push"


def _time(value: object) -> datetime | None:
    if not isinstance(value, str) or len(value) > 64:
        return None
    try:
        parsed = datetime.fromisoformat(value)
    except ValueError:
        return None
    return parsed if parsed.tzinfo is not None else None


def _uint(value: object, *, limit: int) -> int | None:
    """A non-negative integer below ``limit`` (absent means 0, as both servers omit zeros)."""
    if value is None:
        return 0
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value < limit:
        return None
    return value


def _bytes(value: object) -> bytes | None:
    if value is None:
        return b""
    if not isinstance(value, str):
        return None
    try:
        return base64.b64decode(value, validate=True)
    except (binascii.Error, ValueError):
        return None


def _best_rssi(gateways: object, key: str = "rssi") -> int | None:
    if not isinstance(gateways, list):
        return None
    values = [
        g[key]
        for g in gateways
        if isinstance(g, dict) and isinstance(g.get(key), int) and not isinstance(g[key], bool)
    ]
    best = max(values, default=None)
    return best if best is not None and -150 <= best <= 0 else None


def _dict(value: object) -> dict[str, Any]:
    return value if isinstance(value, dict) else {}


def parse_uplink(topic: str, payload: bytes, topics: Topics) -> Uplink | Refused:  # noqa: PLR0911, PLR0912 - one early return per refusal reads best
    """Validate one network-server uplink message."""
    split = topics.split(topic)
    if split is None:
        return Refused(Refusal.BAD_TOPIC, f"topic {topic[:200]!r} is not an LNS uplink topic")
    network, application, device_part = split
    if len(payload) > MAX_UPLINK_BYTES:
        return Refused(Refusal.OVERSIZED, f"payload is {len(payload)} bytes")
    try:
        data = json.loads(payload)
    except (UnicodeDecodeError, ValueError, RecursionError) as exc:
        return Refused(Refusal.NOT_JSON, f"payload is not JSON: {exc}"[:300])
    if not isinstance(data, dict):
        return Refused(Refusal.INVALID, "payload must be a JSON object")
    if network is Network.CHIRPSTACK:
        info = _dict(data.get("deviceInfo"))
        eui, f_cnt, f_port = info.get("devEui"), data.get("fCnt"), data.get("fPort")
        frame, time = data.get("data"), _time(data.get("time"))
        rssi = _best_rssi(data.get("rxInfo"))
        lns_device = device_part
    else:
        ids = _dict(data.get("end_device_ids"))
        message = _dict(data.get("uplink_message"))
        if not message:
            return Refused(Refusal.INVALID, "no uplink_message in a TTS uplink")
        eui, f_cnt, f_port = ids.get("dev_eui"), message.get("f_cnt"), message.get("f_port")
        frame = message.get("frm_payload")
        time = _time(message.get("received_at")) or _time(data.get("received_at"))
        rssi = _best_rssi(message.get("rx_metadata"))
        lns_device = device_part
        if ids.get("device_id") not in (None, device_part):
            return Refused(
                Refusal.DEVICE_MISMATCH,
                f"payload names device {str(ids.get('device_id'))[:64]!r} on {device_part!r}'s topic",
            )
    if not isinstance(eui, str) or not _EUI.match(eui):
        return Refused(Refusal.INVALID, f"no valid DevEUI in the uplink ({str(eui)[:40]!r})")
    dev_eui = eui.lower()
    if network is Network.CHIRPSTACK and device_part.lower() != dev_eui:
        return Refused(
            Refusal.DEVICE_MISMATCH,
            f"payload DevEUI {dev_eui} differs from the topic's {device_part[:40]!r}",
            dev_eui,
        )
    counter, port, raw = _uint(f_cnt, limit=2**32), _uint(f_port, limit=256), _bytes(frame)
    if counter is None:
        return Refused(
            Refusal.INVALID, f"frame counter {str(f_cnt)[:20]!r} is not a uint32", dev_eui
        )
    if port is None or port == 0:
        return Refused(
            Refusal.INVALID, f"frame port {f_port!r} carries no application data", dev_eui
        )
    if raw is None:
        return Refused(Refusal.INVALID, "frame payload is not base64", dev_eui)
    if time is None:
        return Refused(Refusal.INVALID, "uplink has no reception time with an offset", dev_eui)
    return Uplink(network, dev_eui, application, lns_device, counter, port, raw, time, rssi)
