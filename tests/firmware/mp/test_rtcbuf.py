"""The RTC memory buffer: 2048 bytes, versioned, CRC-checked, surviving deep sleep."""

import sim
from binsensor.reading import Reading
from binsensor.rtcbuf import CAPACITY, FLAG_CORRUPT_SEEN, HEADER_SIZE, NodeState, decode
from helpers import check, equal, provision, set_scene, state, wake


def full_state() -> NodeState:
    """A state with every slot used and every field set, some to None."""
    node = NodeState()
    for i in range(CAPACITY):
        node.readings.append(
            Reading(
                1795000000 + i * 3600,
                i,
                420 + i,
                0.6234,
                -3.25,
                3.61,
                None if i % 2 else -71,
                "ok",
                "lidOpen" if i == 5 else "ok",
            )
        )
    node.next_seq, node.dropped, node.last_upload = CAPACITY, 3, 1795000000
    node.last_sent_fill, node.last_status, node.boots = 0.5, "dropped", 9
    return node


def test_a_full_buffer_fits_in_2048_bytes_and_round_trips():
    """At capacity the encoding fits ESP32 RTC memory and decodes to the same readings."""
    original = full_state()
    data = original.encode()
    check(len(data) <= 2048, "%d bytes" % len(data))
    check(CAPACITY >= 100, "capacity %d" % CAPACITY)
    back = decode(data)
    equal(len(back.readings), CAPACITY)
    equal(
        (back.next_seq, back.dropped, back.last_sent_fill, back.last_status, back.boots),
        (CAPACITY, 3, 0.5, "dropped", 9),
    )
    first, sixth = back.readings[0], back.readings[5]
    equal(
        (first.ts, first.seq, first.distance_mm, first.fill, first.temperature_c, first.battery_v),
        (1795000000, 0, 420, 0.6234, -3.25, 3.61),
    )
    equal((first.rssi_dbm, back.readings[1].rssi_dbm, sixth.status), (-71, None, "lidOpen"))


def test_crc_catches_any_flipped_bit():
    """A single flipped bit anywhere in header or readings makes the buffer unreadable, not wrong."""
    data = bytearray(full_state().encode())
    for position in (3, 8, HEADER_SIZE - 1, HEADER_SIZE + 7, len(data) - 1):
        corrupted = bytearray(data)
        corrupted[position] ^= 0x10
        equal(decode(bytes(corrupted)), None)
    check(decode(bytes(data)) is not None)


def test_another_format_version_is_not_misread():
    """A buffer written by a firmware with another layout version is refused."""
    data = bytearray(full_state().encode())
    data[2] = 2
    equal(decode(bytes(data)), None)


def test_readings_survive_deep_sleep():
    """Readings taken offline are still there, in order, after several simulated deep sleeps."""
    provision()
    sim.wifi_in_reach = False
    for distance in (900, 800, 700):
        set_scene(distance)
        wake()
    kept = state()
    equal([r.seq for r in kept.readings], [0, 1, 2])
    equal([r.distance_mm for r in kept.readings], [900, 800, 700])
    equal(kept.boots, 3)
    # The timestamps follow the simulated clock through the sleeps.
    equal(kept.readings[2].ts - kept.readings[0].ts, 2 * 3600)


def test_corrupt_rtc_memory_starts_afresh_and_says_so():
    """After a brown-out scrambles RTC memory, the node restarts its buffer and flags the loss."""
    provision()
    sim.wifi_in_reach = False
    set_scene(600)
    wake()
    wake()
    sim.rtc_memory[HEADER_SIZE + 3] ^= 0xFF
    wake()
    kept = state()
    equal(len(kept.readings), 1)
    check(kept.flags & FLAG_CORRUPT_SEEN, "loss not flagged")
