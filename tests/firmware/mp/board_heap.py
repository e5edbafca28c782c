"""The heap the firmware gets in tests: what an ESP32 leaves the application, in holes of a few kB.

pytest starts MicroPython with ``-X heapsize`` = the fakes' allowance + twice the board's budget
(``harness/micropython.py``). Once the fakes and the test's own modules are loaded, ``limit()``
fills the heap with blocks of ``NT_HEAP_HOLE`` bytes and frees every other one until the board's
budget is free; ``helpers.wake()`` does it again before every simulated wake-up, since on the
board each wake-up starts from a reset. The firmware then has no more heap than on the board, and no free stretch longer
than one hole, so a single allocation above a few kB fails with MemoryError, as it would on a
board whose heap has been in use for a while.
"""

import gc
import os

_pinned: "list[bytearray | None]" = []
_interned = False


def _intern_names() -> None:
    """Load every firmware module once and forget it again: its names (qstrs) stay interned.

    On the board the firmware is frozen into the image (firmware/README.md), where its names live
    in flash; on the Unix port they would go to the heap, in pools that double as they grow.
    """
    global _interned
    if _interned:
        return
    _interned = True
    import sys

    import binsensor

    folder = binsensor.__file__.rsplit("/", 1)[0]
    for entry in sorted(os.listdir(folder)):
        if entry.endswith((".py", ".mpy")) and not entry.startswith("__"):
            __import__("binsensor." + entry.rsplit(".", 1)[0])
    for name in list(sys.modules):
        if name.startswith("binsensor"):
            del sys.modules[name]


def limit() -> None:
    """Leave the firmware the board's budget (``NT_BOARD_HEAP`` bytes) in holes; report it."""
    board = int(os.getenv("NT_BOARD_HEAP") or "0")
    if not board:
        return
    hole = int(os.getenv("NT_HEAP_HOLE") or "4096")
    _intern_names()
    _pinned[:] = []  # a wake-up is a reset: the heap the firmware gets starts over
    gc.collect()
    fakes = gc.mem_alloc()
    _pinned[:] = [None] * (2 * (gc.mem_free() // hole) + 4)
    count = 0
    try:
        while True:
            _pinned[count] = bytearray(hole - 32)  # a block and its object header: one hole
            count += 1
    except MemoryError:
        pass
    gc.collect()
    for index in range(0, count, 2):
        if gc.mem_free() >= board:
            break
        _pinned[index] = None
        gc.collect()
    excess = gc.mem_free() - board
    if excess > 256:
        _pinned[count] = bytearray(excess - 128)  # trims the last hole to the budget
    gc.collect()
    if gc.mem_free() < board - 256:
        raise MemoryError(
            "the fakes and the test take %d bytes and leave the firmware %d, not the board's %d"
            % (fakes, gc.mem_free(), board)
        )
    if os.getenv("NT_HEAP_REPORT"):
        print("HEAP fakes=%d free=%d hole=%d" % (fakes, gc.mem_free(), hole))
