"""The node's memory across deep sleep: a header and a ring of readings in 2048 bytes of RTC RAM.

RTC memory survives deep sleep but not a power loss, and a brown-out can leave it half written,
so the header carries a format version and a CRC-32 over everything; a mismatch starts afresh
(and says so in the next status) instead of sending garbage.
"""

import binascii
import struct

from binsensor.reading import RECORD_SIZE, Reading, unpack

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


class NodeState:
    """Everything the node remembers between wake-ups."""

    def __init__(self) -> None:
        self.readings: list[Reading] = []
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
        ) + b"".join(r.pack() for r in self.readings)
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
    view = memoryview(data)
    for i in range(fields[2]):
        start = HEADER_SIZE + i * RECORD_SIZE
        state.readings.append(unpack(view[start : start + RECORD_SIZE]))
    return state
