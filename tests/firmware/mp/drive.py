"""Run the provisioned node in the working directory through several wake-ups, then print a summary.

``micropython drive.py 900 600 600`` wakes it three times with the surface at those distances (mm),
an hour apart, and prints one JSON line with the report reasons and the deep-sleep times.
``off:130:700`` is 130 wake-ups at 700 mm with the access point out of reach.
"""

import json
import sys

import sim
from helpers import set_scene, wake


def main() -> None:
    import board_heap

    board_heap.limit()
    reasons = []
    for step in sys.argv[1:]:
        if step.startswith("off:"):
            _, count, distance = step.split(":")
            sim.wifi_in_reach = False
            for _ in range(int(count)):
                set_scene(int(distance))
                reasons.append(wake())
            sim.wifi_in_reach = True
            continue
        set_scene(int(step))
        reasons.append(wake())
    summary = {"reasons": reasons, "sleeps_ms": sim.sleeps_ms, "cpu_mhz": sim.cpu_mhz_at_sleep}
    print("SUMMARY " + json.dumps(summary))


try:
    main()
except MemoryError:
    import micropython

    micropython.mem_info(1)
    raise
