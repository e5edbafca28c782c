"""A paho-mqtt 2.x client configured from settings, shared by every service that talks MQTT."""

from __future__ import annotations

import ssl

import paho.mqtt.client as mqtt
from paho.mqtt.enums import CallbackAPIVersion
from paho.mqtt.packettypes import PacketTypes
from paho.mqtt.properties import Properties

from config import ServiceSettings


def make_client(settings: ServiceSettings, *, client_id: str) -> mqtt.Client:
    """Build (not connect) an MQTT v5 client with the credentials and TLS from settings."""
    client = mqtt.Client(
        callback_api_version=CallbackAPIVersion.VERSION2,
        client_id=client_id,
        protocol=mqtt.MQTTv5,
    )
    if settings.mqtt_username is not None:
        password = settings.mqtt_password.get_secret_value() if settings.mqtt_password else None
        client.username_pw_set(settings.mqtt_username, password)
    if settings.mqtt_tls:
        context = ssl.create_default_context(cafile=settings.mqtt_ca_file)
        client.tls_set_context(context)
    client.reconnect_delay_set(min_delay=1, max_delay=30)
    return client


def connect(
    client: mqtt.Client,
    settings: ServiceSettings,
    *,
    persistent: bool = False,
    session_expiry_s: int = 7 * 24 * 3600,
    receive_maximum: int | None = None,
) -> None:
    """Connect; a persistent session asks the broker to keep queued QoS 1 messages while away."""
    properties = Properties(PacketTypes.CONNECT)  # type: ignore[no-untyped-call]  # paho leaves it unannotated
    if persistent:
        properties.SessionExpiryInterval = session_expiry_s
    if receive_maximum is not None:
        # how many unacknowledged QoS 1 messages the broker may have in flight to us
        properties.ReceiveMaximum = receive_maximum
    client.connect(
        settings.mqtt_host,
        settings.mqtt_port,
        keepalive=30,
        clean_start=not persistent,
        properties=properties,
    )
