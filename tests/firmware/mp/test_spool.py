"""A week without network: readings spill from RTC memory to a flash ring; the oldest are dropped and counted."""

import sim
from binsensor.rtcbuf import CAPACITY
from binsensor.spool import Spool
from helpers import equal, provision, set_scene, single_ping, state, wake

WEEK_OF_HOURS = 7 * 24


def offline_week() -> None:
    """Hourly wake-ups for seven days with the access point out of reach."""
    sim.wifi_in_reach = False
    for hour in range(WEEK_OF_HOURS):
        set_scene(1000 - hour * 4)
        wake()


def test_a_week_offline_loses_nothing_with_the_default_ring():
    """All 168 readings are kept: the first 112 spilled to flash, the rest in RTC memory."""
    provision()
    single_ping()
    offline_week()
    ring = Spool("spool.bin", 2000)
    kept = state()
    equal(ring.count, CAPACITY)
    equal(ring.count + len(kept.readings), WEEK_OF_HOURS)
    equal(kept.dropped, 0)
    equal([r.seq for r in ring.oldest(3)], [0, 1, 2])
    equal(kept.readings[-1].seq, WEEK_OF_HOURS - 1)


def test_a_full_ring_drops_the_oldest_and_counts_them():
    """With a 40-reading ring, the spill overwrites the oldest and the count of dropped readings is kept."""
    provision(spool_records=40)
    single_ping()
    offline_week()
    ring = Spool("spool.bin", 40)
    kept = state()
    equal(ring.count, 40)
    equal(kept.dropped, WEEK_OF_HOURS - ring.count - len(kept.readings))
    equal(kept.dropped, CAPACITY - 40)
    # What survives is the newest: the ring holds the last 40 of the spilled readings.
    equal([r.seq for r in ring.oldest(40)], list(range(CAPACITY - 40, CAPACITY)))


def test_ring_wraps_and_discards_in_order():
    """Appending past capacity wraps around; discarding acknowledged readings advances the oldest."""
    from binsensor.reading import Reading

    ring = Spool("ring.bin", 5)
    dropped = ring.append(
        [Reading(1795000000 + i, i, 500, 0.5, 10.0, 3.6, None, "ok", "ok") for i in range(8)]
    )
    equal(dropped, 3)
    equal([r.seq for r in ring.oldest(10)], [3, 4, 5, 6, 7])
    ring.discard(2)
    reopened = Spool("ring.bin", 5)
    equal([r.seq for r in reopened.oldest(10)], [5, 6, 7])
