"""The unit's two ways out: signed HTTP(S) uploads of evidence files, and MQTT for messages."""

from __future__ import annotations

import json
import logging
import threading
from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

import httpx
import paho.mqtt.client as mqtt
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties
from paho.mqtt.reasoncodes import ReasonCode

from broker import make_client
from contracts import (
    HEADER_MANIFEST_SIGNATURE,
    DeviceStatus,
    DownKind,
    UpKind,
    down_topic,
    request_headers,
    up_topic,
)
from edge.settings import EdgeSettings

log = logging.getLogger(__name__)


class DeliveryError(Exception):
    """Could not deliver now (network, server down); try again later."""


class EvidenceRejectedError(Exception):
    """The server refused the evidence for good (4xx with a reason)."""


def evidence_path(device_id: str, event_id: str, name: str) -> str:
    """Where a file of an event is uploaded (the manifest has its own name)."""
    base = f"/api/v1/evidence/{device_id}/{event_id}"
    return f"{base}/manifest" if name == "manifest.json" else f"{base}/files/{name}"


class EvidenceUploader:
    """PUTs files to the API, each request signed with the device key."""

    def __init__(
        self,
        settings: EdgeSettings,
        *,
        device_id: str,
        key: Ed25519PrivateKey,
        client: httpx.Client | None = None,
    ) -> None:
        verify: str | bool = settings.api_ca_file or True
        self._client = client or httpx.Client(
            base_url=settings.api_url.rstrip("/"), timeout=settings.http_timeout_s, verify=verify
        )
        self._prefix = httpx.URL(settings.api_url).path.rstrip("/")
        self._device_id = device_id
        self._key = key

    def put(
        self, event_id: str, name: str, body: bytes, *, manifest_signature: str | None = None
    ) -> None:
        """Upload one file; raises ``DeliveryError`` (retry) or ``EvidenceRejectedError``."""
        path = evidence_path(self._device_id, event_id, name)
        headers = request_headers(
            private_key=self._key,
            device_id=self._device_id,
            method="PUT",
            path=self._prefix + path,
            body=body,
            now=datetime.now(UTC),
        )
        if manifest_signature is not None:
            headers[HEADER_MANIFEST_SIGNATURE] = manifest_signature
        headers["Content-Type"] = "application/octet-stream"
        try:
            response = self._client.put(path, content=body, headers=headers)
        except httpx.HTTPError as exc:
            raise DeliveryError(f"upload of {name} failed: {exc}") from exc
        if response.status_code < 300:
            return
        if response.status_code in {408, 425, 429} or response.status_code >= 500:
            raise DeliveryError(f"server answered {response.status_code} for {name}")
        raise EvidenceRejectedError(f"{name}: {response.status_code} {response.text[:500]}")

    def put_file(
        self, event_id: str, name: str, path: Path, *, manifest_signature: str | None = None
    ) -> None:
        """Upload a file from disk."""
        self.put(event_id, name, path.read_bytes(), manifest_signature=manifest_signature)

    def close(self) -> None:
        """Close the HTTP connection pool."""
        self._client.close()


SESSION_EXPIRY_S = 14 * 24 * 3600  # the broker keeps commands for a camera away this long


class MqttLink:
    """The device's MQTT session: status with a last will, events with QoS 1, commands.

    The session is persistent, so a command sent while the camera is away (a legal hold, an
    approved unblur request) waits at the broker and arrives when it reconnects.
    """

    def __init__(
        self,
        settings: EdgeSettings,
        *,
        device_id: str,
        on_command: Callable[[dict[str, object]], None],
        firmware: str = "nettestad-edge/0.1.0",
    ) -> None:
        self._settings = settings
        self._device_id = device_id
        self._root = settings.topic_root
        self._on_command = on_command
        self._firmware = firmware
        self.connected = threading.Event()
        self.subscribed = threading.Event()
        self._state = "online"
        self._detail: str | None = None
        self._client = make_client(settings, client_id=settings.mqtt_client_id)
        self._client.reconnect_delay_set(min_delay=1, max_delay=int(settings.mqtt_reconnect_max_s))
        will = DeviceStatus(device_id=device_id, state="offline", detail="connection lost")
        self._client.will_set(
            up_topic(device_id, UpKind.STATUS, root=self._root),
            will.model_dump_json(exclude_none=True),
            qos=1,
        )
        self._client.on_connect = self._connected
        self._client.on_disconnect = self._disconnected
        self._client.on_message = self._message
        self._client.on_subscribe = self._subscribed

    def start(self) -> None:
        """Connect in the background; paho keeps reconnecting while the broker is away."""
        properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]  # paho leaves it unannotated
        properties.SessionExpiryInterval = SESSION_EXPIRY_S
        self._client.connect_async(
            self._settings.mqtt_host,
            self._settings.mqtt_port,
            keepalive=30,
            clean_start=False,
            properties=properties,
        )
        self._client.loop_start()

    def _subscribed(self, *_: object) -> None:
        self.subscribed.set()

    def _connected(
        self, client: mqtt.Client, _u: object, _f: object, reason: ReasonCode, _p: object
    ) -> None:
        if reason.is_failure:
            log.error("broker refused the camera: %s", reason)
            return
        client.subscribe(down_topic(self._device_id, DownKind.CMD, root=self._root), qos=1)
        self.connected.set()
        self.publish_status(self._state, self._detail)

    def _disconnected(self, *_: object) -> None:
        self.connected.clear()
        self.subscribed.clear()

    def _message(self, _c: mqtt.Client, _u: object, message: mqtt.MQTTMessage) -> None:
        try:
            command = json.loads(message.payload)
        except ValueError:
            log.warning("ignoring a command that is not JSON on %s", message.topic)
            return
        if isinstance(command, dict):
            try:
                self._on_command(command)
            except Exception:
                log.exception("command %r failed", command.get("cmd"))

    def publish_status(
        self, state: str, detail: str | None = None, *, uptime_s: int | None = None
    ) -> None:
        """Report health; ``tamper`` and ``fault`` stay until the next change."""
        self._state, self._detail = state, detail
        if not self.connected.is_set():
            return
        status = DeviceStatus.model_validate(
            {
                "device_id": self._device_id,
                "ts": datetime.now(UTC),
                "state": state,
                "firmware": self._firmware,
                "uptime_s": uptime_s,
                "detail": detail,
            }
        )
        self._client.publish(
            up_topic(self._device_id, UpKind.STATUS, root=self._root),
            status.model_dump_json(exclude_none=True),
            qos=1,
        )

    def publish_event(self, payload: bytes, *, timeout: float = 10.0) -> bool:
        """Publish an event with QoS 1; True once the broker acknowledged it."""
        if not self.connected.is_set():
            return False
        info = self._client.publish(
            up_topic(self._device_id, UpKind.EVENT, root=self._root), payload, qos=1
        )
        if info.rc != mqtt.MQTT_ERR_SUCCESS:
            return False
        try:
            info.wait_for_publish(timeout)
        except (RuntimeError, ValueError):
            return False
        return info.is_published()

    def close(self) -> None:
        """Say goodbye cleanly (an orderly stop publishes offline itself, not via the will)."""
        self.publish_status("offline", "stopped")
        self._client.disconnect()
        self._client.loop_stop()
