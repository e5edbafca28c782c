"""The downlink that sets a LoRaWAN sensor's reporting interval, in its network server's format.

ChirpStack v4 takes ``{"devEui", "confirmed", "fPort", "data"}`` on
``application/{application_id}/device/{dev_eui}/command/down``; The Things Stack v3 takes
``{"downlinks": [{"f_port", "frm_payload", "priority"}]}`` on
``v3/{application id}@{tenant id}/devices/{device id}/down/push``. The bytes are the codec's own
(``interval_downlink``). Pure.
"""

from __future__ import annotations

import base64
import json

from db.devices import LoRaWANRoute
from ingest.lorawan.codecs import codec_named
from ingest.lorawan.envelope import Network, Topics


class DownlinkError(ValueError):
    """A downlink that cannot be built; the message says why."""


def interval_downlink(route: LoRaWANRoute, seconds: int, topics: Topics) -> tuple[str, bytes]:
    """(topic, payload) that queue the reporting-interval change at the network server."""
    codec = codec_named(route.codec)
    if codec is None:
        raise DownlinkError(f"no codec {route.codec!r}")
    if route.network is None or route.application is None or route.lns_device_id is None:
        raise DownlinkError(
            f"no uplink from {route.dev_eui} yet: its network server and application are learnt "
            "from the first uplink"
        )
    port, data = codec.interval_downlink(seconds)
    frame = base64.b64encode(data).decode()
    if route.network == Network.CHIRPSTACK:
        body: dict[str, object] = {
            "devEui": route.dev_eui, "confirmed": False, "fPort": port, "data": frame,
        }  # fmt: skip
        return topics.chirpstack_down(route.application, route.dev_eui), json.dumps(body).encode()
    body = {"downlinks": [{"f_port": port, "frm_payload": frame, "priority": "NORMAL"}]}
    return topics.tts_down(route.application, route.lns_device_id), json.dumps(body).encode()
