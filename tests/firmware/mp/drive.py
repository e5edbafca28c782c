"""Run the provisioned node in the working directory through several wake-ups, then print a summary.

``micropython drive.py 900 600 600`` wakes it three times with the surface at those distances (mm),
an hour apart, and prints one JSON line with the report reasons and the deep-sleep times.
"""

import json
import sys

import sim
from helpers import set_scene, wake


def main() -> None:
    reasons = []
    for distance in sys.argv[1:]:
        set_scene(int(distance))
        reasons.append(wake())
    print("SUMMARY " + json.dumps({"reasons": reasons, "sleeps_ms": sim.sleeps_ms}))


main()
