"""Milesight EM310-UDL (ultrasonic distance/level sensor), from Milesight's public payload
documentation (github.com/Milesight-IoT/SensorDecoders, ``em-series/em310-udl``).

Uplinks and downlinks use application port 85. The payload is a sequence of channels, each
``channel id (1 B) + type (1 B) + data``, little-endian:

| channel | type | data |
|---|---|---|
| 0x01 | 0x75 | battery, uint8, % |
| 0x03 | 0x82 | distance, uint16, mm |
| 0x04 | 0x00 | position, uint8 (0 normal, 1 tilt) |
| 0xFF | 0x01 / 0x09 / 0x0A / 0x0B / 0x0F / 0x16 / 0xFE / 0xFF | device information (1, 2, 2, 1, 1, 8, 1, 2 bytes) |

Example from the documentation: ``01755C 03824408 040001`` is battery 92 %, distance 2116 mm,
tilted. The reporting interval is set with ``FF 03`` + uint16 seconds, little-endian.
"""

from __future__ import annotations

from ingest.lorawan.codec import DeviceInfo, Measurement, UndecodableError, WrongPortError

PORT = 85
_TELEMETRY = {
    (0x01, 0x75): ("battery", 1),
    (0x03, 0x82): ("distance", 2),
    (0x04, 0x00): ("position", 1),
}
_INFO_LENGTHS = {0x01: 1, 0x09: 2, 0x0A: 2, 0x0B: 1, 0x0F: 1, 0x16: 8, 0xFE: 1, 0xFF: 2}


def channels(data: bytes) -> dict[str, bytes]:
    """The payload's channels by name (``battery``, ``distance``, ``position``, ``info-0a``...)."""
    out: dict[str, bytes] = {}
    i = 0
    while i < len(data):
        if i + 2 > len(data):
            raise UndecodableError(f"channel header cut off at byte {i}")
        channel, kind = data[i], data[i + 1]
        spec = _TELEMETRY.get((channel, kind))
        if spec is None and channel == 0xFF and kind in _INFO_LENGTHS:
            spec = (f"info-{kind:02x}", _INFO_LENGTHS[kind])
        if spec is None:
            raise UndecodableError(f"unknown channel {channel:#04x} type {kind:#04x} at byte {i}")
        name, size = spec
        value = data[i + 2 : i + 2 + size]
        if len(value) != size:
            raise UndecodableError(f"channel {channel:#04x} cut off at byte {i}")
        out[name] = value
        i += 2 + size
    return out


class EM310UDL:
    """Milesight EM310-UDL."""

    name = "milesight-em310-udl"
    model = "Milesight EM310-UDL"
    blind_zone_mm = 0  # not in the payload documentation: set per device at provisioning

    def decode(self, f_port: int, data: bytes) -> Measurement | DeviceInfo:
        """Read one uplink of port 85."""
        if f_port != PORT:
            raise WrongPortError(f"{self.model} reports on port {PORT}, not {f_port}")
        if not data:
            raise UndecodableError("empty payload")
        found = channels(data)
        firmware = found.get("info-0a")
        if not {"battery", "distance", "position"} & found.keys():
            return DeviceInfo(firmware=f"v{firmware[0]:x}.{firmware[1]:x}" if firmware else None)
        if "distance" not in found:
            raise UndecodableError("no distance channel in a telemetry frame")
        battery = found["battery"][0] if "battery" in found else None
        if battery is not None and battery > 100:
            raise UndecodableError(f"battery {battery} % is above 100")
        position = found.get("position", b"\x00")[0]
        if position not in (0, 1):
            raise UndecodableError(f"position {position} is neither 0 (normal) nor 1 (tilt)")
        return Measurement(
            distance_mm=int.from_bytes(found["distance"], "little"),
            battery_pct=battery,
            tilted=position == 1,
        )

    def interval_downlink(self, seconds: int) -> tuple[int, bytes]:
        """``FF 03`` + uint16 little-endian seconds, on port 85."""
        if not 60 <= seconds <= 0xFFFF:
            raise ValueError(
                f"{self.model} takes a reporting interval of 60 to 65535 s, not {seconds}"
            )
        return PORT, bytes([0xFF, 0x03]) + seconds.to_bytes(2, "little")
