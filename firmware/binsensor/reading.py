"""A reading as the node keeps it, packed into 18 bytes for RTC memory and flash."""

import struct

from binsensor.measure import QUALITIES
from binsensor.timeutil import iso_utc

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

STATUSES = ("ok", "lidOpen", "dropped", "moved", "burning")

RECORD = "<IIHHhHbB"
RECORD_SIZE = struct.calcsize(RECORD)

_NO_U16 = 0xFFFF
_NO_TEMP = -32768
_NO_RSSI = 127


class Reading:
    """One measurement with everything the contract's ``FillReading`` carries."""

    def __init__(
        self,
        ts: int,
        seq: int,
        distance_mm: "int | None",
        fill: "float | None",
        temperature_c: "float | None",
        battery_v: "float | None",
        rssi_dbm: "int | None",
        quality: str,
        status: str,
    ) -> None:
        self.ts = ts
        self.seq = seq
        self.distance_mm = distance_mm
        self.fill = fill
        self.temperature_c = temperature_c
        self.battery_v = battery_v
        self.rssi_dbm = rssi_dbm
        self.quality = quality
        self.status = status

    def pack(self) -> bytes:
        """The 18-byte record; precision: 1 mm, 0.0001 fill, 0.01 degree, 1 mV."""
        return struct.pack(
            RECORD,
            self.ts,
            self.seq,
            _NO_U16 if self.distance_mm is None else min(self.distance_mm, 0xFFFE),
            _NO_U16 if self.fill is None else int(self.fill * 10000 + 0.5),
            _NO_TEMP if self.temperature_c is None else round(self.temperature_c * 100),
            _NO_U16 if self.battery_v is None else int(self.battery_v * 1000 + 0.5),
            _NO_RSSI if self.rssi_dbm is None else max(-127, min(0, self.rssi_dbm)),
            QUALITIES.index(self.quality) << 4 | STATUSES.index(self.status),
        )

    def to_json(self, rssi_dbm: "int | None" = None) -> "dict[str, Any]":
        """The contract's ``FillReading``; ``rssi_dbm`` fills in the signal measured on upload."""
        rssi = self.rssi_dbm if self.rssi_dbm is not None else rssi_dbm
        out = {
            "seq": self.seq,
            "ts": iso_utc(self.ts),
            "distance_mm": self.distance_mm,
            "filling_level": self.fill,
            "quality": self.quality,
            "status": self.status,
        }
        if self.temperature_c is not None:
            out["temperature_c"] = self.temperature_c
        if self.battery_v is not None:
            out["battery_v"] = self.battery_v
        if rssi is not None:
            out["rssi_dbm"] = rssi
        return out


def unpack(record: "bytes | memoryview") -> Reading:
    """The reading a record holds."""
    ts, seq, distance, fill, temp, battery, rssi, kinds = struct.unpack(RECORD, record)
    return Reading(
        ts,
        seq,
        None if distance == _NO_U16 else distance,
        None if fill == _NO_U16 else fill / 10000,
        None if temp == _NO_TEMP else temp / 100,
        None if battery == _NO_U16 else battery / 1000,
        None if rssi == _NO_RSSI else rssi,
        QUALITIES[kinds >> 4],
        STATUSES[kinds & 0x0F],
    )
