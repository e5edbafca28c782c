"""The codecs nettestad can read, by the name stored with each LoRaWAN device."""

from __future__ import annotations

from ingest.lorawan.codec import Codec
from ingest.lorawan.dragino import LDDS75
from ingest.lorawan.milesight import EM310UDL

CODECS: dict[str, Codec] = {codec.name: codec for codec in (EM310UDL(), LDDS75())}


def codec_named(name: str) -> Codec | None:
    """The codec stored under ``name``; None when unknown."""
    return CODECS.get(name)
