"""A ring file in flash for readings that waited too long for the network.

RTC memory holds about four days of hourly readings. When the network stays away longer, they
spill here, in one write per spill to spare the flash. LittleFS commits a file on close, so a
brown-out leaves either the old or the new ring, never a mix. When the ring is full, the oldest
readings are overwritten and counted, so the server learns how many it will never see.
"""

import struct

from binsensor.reading import RECORD_SIZE, Reading, unpack

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterable

SPOOL_PATH = "spool.bin"
MAGIC = b"NTSP"
FORMAT_VERSION = 1
HEADER = "<4sHHIII"  # magic, version, reserved, capacity, head, count
HEADER_SIZE = struct.calcsize(HEADER)


class Spool:
    """The ring file; ``capacity`` readings of 18 bytes each."""

    def __init__(self, path: str = SPOOL_PATH, capacity: int = 2000) -> None:
        self.path = path
        self.capacity = capacity
        self.head = 0
        self.count = 0
        try:
            with open(path, "rb") as handle:
                header = handle.read(HEADER_SIZE)
            magic, version, _, stored_capacity, head, count = struct.unpack(HEADER, header)
            if (magic, version, stored_capacity) == (MAGIC, FORMAT_VERSION, capacity) and (
                head < capacity and count <= capacity
            ):
                self.head, self.count = head, count
            else:
                self._create()
        except (OSError, ValueError):
            self._create()

    def _create(self) -> None:
        self.head = self.count = 0
        # Zeros a sector at a time: the whole ring at once would be one 36 kB allocation.
        zeros = bytes(RECORD_SIZE * 32)
        left = RECORD_SIZE * self.capacity
        with open(self.path, "wb") as handle:
            handle.write(self._header())
            while left > 0:
                handle.write(zeros if left >= len(zeros) else zeros[:left])
                left -= len(zeros)

    def _header(self) -> bytes:
        return struct.pack(HEADER, MAGIC, FORMAT_VERSION, 0, self.capacity, self.head, self.count)

    def append(self, readings: "Iterable[Reading]") -> int:
        """Add readings after the newest; returns how many of the oldest had to be dropped."""
        dropped = 0
        with open(self.path, "r+b") as handle:
            for reading in readings:
                slot = (self.head + self.count) % self.capacity
                handle.seek(HEADER_SIZE + slot * RECORD_SIZE)
                handle.write(reading.pack())
                if self.count == self.capacity:
                    self.head = (self.head + 1) % self.capacity
                    dropped += 1
                else:
                    self.count += 1
            handle.seek(0)
            handle.write(self._header())
        return dropped

    def oldest(self, limit: int) -> "list[Reading]":
        """Up to ``limit`` readings, oldest first, left in place."""
        out = []
        with open(self.path, "rb") as handle:
            for i in range(min(limit, self.count)):
                handle.seek(HEADER_SIZE + (self.head + i) % self.capacity * RECORD_SIZE)
                out.append(unpack(handle.read(RECORD_SIZE)))
        return out

    def discard(self, number: int) -> None:
        """Forget the ``number`` oldest readings (the server has acknowledged them)."""
        number = min(number, self.count)
        if not number:
            return
        self.head = (self.head + number) % self.capacity
        self.count -= number
        with open(self.path, "r+b") as handle:
            handle.write(self._header())
