"""The MQTT side of the platform: the client every service connects with."""

from broker.client import connect, make_client

__all__ = ["connect", "make_client"]
