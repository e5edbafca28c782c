"""Commands the API sends to a device over MQTT (``down/cmd``), behind a small interface."""

from __future__ import annotations

import json
import uuid
from typing import Any, Protocol

from broker import connect, make_client
from config import ServiceSettings
from contracts import DownKind, down_topic


class CommandSender(Protocol):
    """Delivers one command to one device; True when the broker accepted it."""

    def send(self, device_id: str, command: dict[str, Any]) -> bool:
        """Publish a command (QoS 1)."""
        ...


class MqttCommandSender:
    """Publishes each command on a short-lived connection; requests are rare (unblur, config)."""

    def __init__(self, settings: ServiceSettings, *, timeout_s: float = 5.0) -> None:
        self.settings = settings
        self.timeout_s = timeout_s

    def send(self, device_id: str, command: dict[str, Any]) -> bool:
        """Publish and wait for the broker's acknowledgement; False when it is unreachable."""
        client = make_client(self.settings, client_id=f"api-cmd-{uuid.uuid4().hex[:12]}")
        try:
            connect(client, self.settings)
        except OSError:
            return False
        client.loop_start()
        try:
            info = client.publish(
                down_topic(device_id, DownKind.CMD, root=self.settings.topic_root),
                json.dumps(command),
                qos=1,
            )
            info.wait_for_publish(self.timeout_s)
            return info.is_published()
        except (RuntimeError, ValueError):
            return False
        finally:
            client.disconnect()
            client.loop_stop()
