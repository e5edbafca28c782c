"""The ingest service: MQTT messages from devices into PostgreSQL, nothing lost, nothing twice."""

from ingest import lorawan  # public modules
from ingest.settings import IngestSettings

__all__ = [
    "IngestSettings",
    "lorawan",
]
