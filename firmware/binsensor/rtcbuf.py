"""The node's memory across deep sleep: a header and a ring of readings in 2048 bytes of RTC RAM.

RTC memory survives deep sleep but not a power loss, and a brown-out can leave it half written,
so the header carries a format version and a CRC-32 over everything; a mismatch starts afresh
(and says so in the next status) instead of sending garbage.
"""

import binascii
import struct

from binsensor.reading import RECORD_SIZE, Reading, unpack

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Iterator
    from typing import Any

RTC_BYTES = 2048
MAGIC = b"NT"
FORMAT_VERSION = 1
# magic, version, count, next seq, dropped, last upload, last failed attempt, last sent fill,
# last status, flags, boots
HEADER = "<2sBBIIIIHBBI"
HEADER_SIZE = struct.calcsize(HEADER) + 4  # and the CRC-32
CAPACITY = (RTC_BYTES - HEADER_SIZE) // RECORD_SIZE

FLAG_CORRUPT_SEEN = 0x01  # the RTC memory failed its check at some boot; reported once
FLAG_ONLINE_SENT = 0x02  # the first "online" status after power-up has been sent
_NO_FILL = 0xFFFF


class PackedReadings:
    """Readings kept as their 18-byte records, unpacked only when asked for.

    As objects, RTC memory's 112 readings would take about 38 kB of heap (some 340 bytes each);
    packed they take 2 kB. Indexing, slicing, ``del`` of a leading slice and iteration work as on
    a list of ``Reading``.
    """

    def __init__(self, records: "bytes | memoryview" = b"") -> None:
        self.records = bytearray(records)

    def __len__(self) -> int:
        return len(self.records) // RECORD_SIZE

    def append(self, reading: Reading) -> None:
        """Keep one more reading, after the others."""
        self.records.extend(reading.pack())

    def clear(self) -> None:
        """Forget them all."""
        self.records = bytearray()

    def _bounds(self, index: slice) -> "tuple[int, int]":
        count = len(self)
        start = 0 if index.start is None else index.start
        stop = count if index.stop is None else index.stop
        if start < 0:
            start += count
        if stop < 0:
            stop += count
        return max(0, min(start, count)), max(0, min(stop, count))

    def __getitem__(self, index: "int | slice") -> "Any":
        if isinstance(index, slice):
            start, stop = self._bounds(index)
            return [self[i] for i in range(start, stop)]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError("reading index out of range")
        at = index * RECORD_SIZE
        return unpack(memoryview(self.records)[at : at + RECORD_SIZE])

    def __delitem__(self, index: slice) -> None:
        start, stop = self._bounds(index)
        if start != 0:
            raise ValueError("only the oldest readings are ever forgotten")
        self.records = self.records[stop * RECORD_SIZE :]

    def __iter__(self) -> "Iterator[Reading]":
        for i in range(len(self)):
            yield self[i]


class NodeState:
    """Everything the node remembers between wake-ups."""

    def __init__(self) -> None:
        self.readings = PackedReadings()
        self.next_seq = 0
        self.dropped = 0
        self.last_upload = 0
        self.last_failure = 0
        self.last_sent_fill: "float | None" = None
        self.last_status = "ok"
        self.flags = 0
        self.boots = 0

    def encode(self) -> bytes:
        """The bytes to store in RTC memory."""
        from binsensor.reading import STATUSES

        if len(self.readings) > CAPACITY:
            raise ValueError("more readings than RTC memory holds")
        body = struct.pack(
            HEADER,
            MAGIC,
            FORMAT_VERSION,
            len(self.readings),
            self.next_seq & 0xFFFFFFFF,
            min(self.dropped, 0xFFFFFFFF),
            self.last_upload,
            self.last_failure,
            _NO_FILL if self.last_sent_fill is None else int(self.last_sent_fill * 10000 + 0.5),
            STATUSES.index(self.last_status),
            self.flags,
            self.boots & 0xFFFFFFFF,
        ) + bytes(self.readings.records)
        crc = binascii.crc32(body) & 0xFFFFFFFF
        return body[: HEADER_SIZE - 4] + struct.pack("<I", crc) + body[HEADER_SIZE - 4 :]


def decode(data: bytes) -> "NodeState | None":
    """The state stored in RTC memory, or None when it is absent, of another version or corrupt."""
    from binsensor.reading import STATUSES

    if len(data) < HEADER_SIZE or data[:2] != MAGIC:
        return None
    fields = struct.unpack(HEADER, data[: HEADER_SIZE - 4])
    if fields[1] != FORMAT_VERSION or fields[2] > CAPACITY:
        return None
    (stored_crc,) = struct.unpack("<I", data[HEADER_SIZE - 4 : HEADER_SIZE])
    end = HEADER_SIZE + fields[2] * RECORD_SIZE
    if len(data) < end:
        return None
    crc = binascii.crc32(data[HEADER_SIZE:end], binascii.crc32(data[: HEADER_SIZE - 4]))
    if crc & 0xFFFFFFFF != stored_crc or fields[8] >= len(STATUSES):
        return None
    state = NodeState()
    state.next_seq, state.dropped, state.last_upload = fields[3], fields[4], fields[5]
    state.last_failure = fields[6]
    state.last_sent_fill = None if fields[7] == _NO_FILL else fields[7] / 10000
    state.last_status = STATUSES[fields[8]]
    state.flags, state.boots = fields[9], fields[10]
    state.readings = PackedReadings(memoryview(data)[HEADER_SIZE:end])
    return state
