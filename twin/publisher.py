"""The simulator's connection to the world: a QoS 1 MQTT publisher and the device registry."""

from __future__ import annotations

import threading
import time
from collections.abc import Sequence
from types import TracebackType
from typing import Self

import paho.mqtt.client as mqtt

from broker import connect as mqtt_connect
from broker import make_client
from config import ServiceSettings
from db import connect
from twin.city import BinSite, City
from twin.registry import upsert_bins, upsert_hotspots


def register_sites(settings: ServiceSettings, sites: Sequence[BinSite] | City) -> None:
    """Put the simulated bins, hotspots and their devices into the database registry."""
    with connect(settings.database_url.get_secret_value()) as conn:
        if isinstance(sites, City):
            upsert_bins(conn=conn, sites=sites.bins)
            upsert_hotspots(conn=conn, hotspots=sites.hotspots)
        else:
            upsert_bins(conn=conn, sites=sites)


class MqttPublisher:
    """Publishes with QoS 1 and waits, bounded, until the broker has every message."""

    def __init__(self, settings: ServiceSettings, *, client_id: str) -> None:
        self._settings = settings
        self._client = make_client(settings, client_id=client_id)
        self._client.max_queued_messages_set(0)
        self._client.max_inflight_messages_set(200)
        self._connected = threading.Event()
        self._client.on_connect = lambda *_: self._connected.set()
        self._unconfirmed: list[mqtt.MQTTMessageInfo] = []

    def __enter__(self) -> Self:
        mqtt_connect(self._client, self._settings)
        self._client.loop_start()
        if not self._connected.wait(10):
            self._client.loop_stop()
            raise ConnectionError("the MQTT broker did not accept the simulator's connection")
        return self

    def publish(self, topic: str, payload: bytes) -> None:
        """Queue one message with QoS 1."""
        self._unconfirmed.append(self._client.publish(topic, payload, qos=1))
        if len(self._unconfirmed) > 10_000:
            self._unconfirmed = [i for i in self._unconfirmed if not i.is_published()]

    def flush(self, timeout: float = 30.0) -> None:
        """Wait until the broker acknowledged everything published so far."""
        deadline = time.monotonic() + timeout
        for info in self._unconfirmed:
            info.wait_for_publish(max(deadline - time.monotonic(), 0.01))
        self._unconfirmed = [i for i in self._unconfirmed if not i.is_published()]
        if self._unconfirmed:
            raise TimeoutError(f"{len(self._unconfirmed)} messages not acknowledged by the broker")

    def __exit__(
        self, _t: type[BaseException] | None, _e: BaseException | None, _tb: TracebackType | None
    ) -> None:
        self.flush()
        self._client.disconnect()
        self._client.loop_stop()
