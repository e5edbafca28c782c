"""What a vendor codec gives back, and the interface every codec offers."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Protocol


class UndecodableError(ValueError):
    """A frame payload the codec cannot read as documented; the message says where it failed."""


class WrongPortError(ValueError):
    """A frame on a port this device does not use for what we read."""


@dataclass(frozen=True, slots=True)
class Measurement:
    """One distance measurement exactly as the device reported it; nothing derived or guessed."""

    distance_mm: int | None  # None: the device says it has no valid distance
    no_sensor: bool = False  # the device reports its probe missing
    battery_v: float | None = None
    battery_pct: int | None = None
    temperature_c: float | None = None
    tilted: bool = False


@dataclass(frozen=True, slots=True)
class DeviceInfo:
    """A frame with no reading (device information after a join): proof of life only."""

    firmware: str | None = None


class Codec(Protocol):
    """A vendor's payload format for one sensor model."""

    name: str  # stable id stored with the device
    model: str  # vendor and model, for people
    blind_zone_mm: int  # nearest distance the probe can measure (datasheet)

    def decode(self, f_port: int, data: bytes) -> Measurement | DeviceInfo:
        """Read one uplink; raises ``UndecodableError`` or ``WrongPortError``."""
        ...

    def interval_downlink(self, seconds: int) -> tuple[int, bytes]:
        """(port, bytes) that set the device's reporting interval; ValueError out of range."""
        ...
