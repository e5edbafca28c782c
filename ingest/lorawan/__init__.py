"""LoRaWAN sensors on the same contract: network-server uplinks in, readings out.

Pure parts: ``envelope`` (the ChirpStack v4 and The Things Stack v3 uplink JSON), one module per
vendor codec (``milesight``, ``dragino``), ``frames`` (frame counters, resets, fill level).
The SQL is in ``db.devices`` and ``db.readings``; ``path`` plugs the whole into the ingest writer's transaction, so
LoRaWAN readings share validation, dead letters and the exactly-once write of our own sensors.
"""

from ingest.lorawan.codecs import CODECS
from ingest.lorawan.downlink import DownlinkError, interval_downlink
from ingest.lorawan.envelope import Topics
from ingest.lorawan.path import topics_for

__all__ = ["CODECS", "DownlinkError", "Topics", "interval_downlink", "topics_for"]
