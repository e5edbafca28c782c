"""Does the firmware fit the board's heap? ``firmware/check`` runs this under MicroPython.

Every firmware module is loaded (as bytecode) into the heap ``board_heap`` leaves: the board's
budget in holes of a few kB. A module that cannot be loaded there, or a firmware whose modules
together take more than the budget, fails the check. Prints the RAM each module takes.
"""

import gc
import os
import sys

import board_heap


def main() -> int:
    import binsensor

    folder = binsensor.__file__.rsplit("/", 1)[0]
    names = sorted(
        entry.rsplit(".", 1)[0]
        for entry in os.listdir(folder)
        if entry.endswith((".py", ".mpy")) and not entry.startswith("__")
    )
    import esp32  # noqa: F401 -- the fakes are hardware, not firmware: loaded before the limit
    import machine  # noqa: F401
    import network  # noqa: F401

    board_heap.limit()
    budget = gc.mem_free()
    before = budget
    for name in names:
        try:
            __import__("binsensor." + name)
        except MemoryError as exc:
            print("firmware: binsensor/%s does not fit the board's heap: %s" % (name, exc))
            return 1
        gc.collect()
        # A module's figure includes the firmware modules it is first to import.
        print("firmware:   %-10s %6d bytes of RAM" % (name, max(0, before - gc.mem_free())))
        before = gc.mem_free()
    used = budget - before
    print("firmware: all modules loaded take %d of the board's %d bytes" % (used, budget))
    return 0


sys.exit(main())
