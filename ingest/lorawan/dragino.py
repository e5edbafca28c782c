"""Dragino LDDS75 (LoRaWAN ultrasonic distance detection sensor), from Dragino's public user
manual and decoder (wiki.dragino.com, github.com/dragino/dragino-end-node-decoder ``LDDS75``).

Readings come on port 2, 8 bytes, big-endian:

| bytes | field |
|---|---|
| 0-1 | battery: ``value & 0x3FFF`` in mV |
| 2-3 | distance in mm; 0 means no ultrasonic probe detected, below 280 mm (0x0118) invalid |
| 4 | interrupt flag (the uplink was triggered by the interrupt pin) |
| 5-6 | DS18B20 temperature, int16 / 10 in °C (optional probe) |
| 7 | sensor flag: 1 when the ultrasonic probe is connected |

Port 5 carries device status (model, firmware, band, battery) after a join. The measuring range
is 280-7500 mm. The transmit interval is set with downlink ``01`` + 3 bytes of seconds
(big-endian), Dragino's TDC command.
"""

from __future__ import annotations

from ingest.lorawan.codec import DeviceInfo, Measurement, UndecodableError, WrongPortError

READING_PORT = 2
STATUS_PORT = 5
DOWNLINK_PORT = 2
BLIND_ZONE_MM = 280
MAX_RANGE_MM = 7500
_NO_TEMPERATURE_PROBE = 0  # an absent DS18B20 reads as 0x0000


class LDDS75:
    """Dragino LDDS75."""

    name = "dragino-ldds75"
    model = "Dragino LDDS75"
    blind_zone_mm = BLIND_ZONE_MM

    def decode(self, f_port: int, data: bytes) -> Measurement | DeviceInfo:
        """Read one uplink of port 2 (reading) or 5 (device status)."""
        if f_port == STATUS_PORT:
            if len(data) < 3:
                raise UndecodableError(f"device status is {len(data)} bytes, expected 7")
            return DeviceInfo(firmware=f"v{data[1]:x}.{data[2] >> 4:x}.{data[2] & 0x0F:x}")
        if f_port != READING_PORT:
            raise WrongPortError(
                f"{self.model} reports on port {READING_PORT} (status on {STATUS_PORT}), not {f_port}"
            )
        if len(data) != 8:
            raise UndecodableError(f"reading is {len(data)} bytes, the documented frame has 8")
        battery_mv = int.from_bytes(data[0:2], "big") & 0x3FFF
        distance = int.from_bytes(data[2:4], "big")
        raw_temperature = int.from_bytes(data[5:7], "big", signed=True)
        sensor_flag = data[7]
        if sensor_flag not in (0, 1):
            raise UndecodableError(f"sensor flag {sensor_flag} is neither 0 nor 1")
        no_sensor = distance == 0 or sensor_flag == 0
        return Measurement(
            distance_mm=None if no_sensor else distance,  # below 280 mm: judged as blind zone
            no_sensor=no_sensor,
            battery_v=battery_mv / 1000,
            # 0x0000 is what the firmware sends without a DS18B20: unknown, not 0 °C
            temperature_c=None
            if raw_temperature == _NO_TEMPERATURE_PROBE
            else raw_temperature / 10,
        )

    def interval_downlink(self, seconds: int) -> tuple[int, bytes]:
        """``01`` + 3 bytes big-endian seconds."""
        if not 60 <= seconds <= 0xFFFFFF:
            raise ValueError(
                f"{self.model} takes a transmit interval of at least 60 s, not {seconds}"
            )
        return DOWNLINK_PORT, bytes([0x01]) + seconds.to_bytes(3, "big")
