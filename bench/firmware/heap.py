"""The smallest heap each firmware scenario runs in, against the board's 90 kB budget.

Run: .venv/bin/python -m bench.firmware.heap [--step 2048]

Each scenario is a MicroPython test case (tests/firmware/mp) run under the Unix port with the
heap limited as in the tests (tests/firmware/mp/board_heap.py: the budget free, in holes of at
most 6 kB); a bisection over the budget finds the smallest one it passes with. Scenarios that
need the broker or the modem simulator are left out: they run in the tests at the full budget.
"""

from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

from harness import micropython as mp

CASES = (
    ("test_spool", "test_a_week_offline_loses_nothing_with_the_default_ring"),
    ("test_rtcbuf", "test_readings_survive_deep_sleep"),
    ("test_config", "test_main_entry_point_measures_and_sleeps"),
    ("test_policy", "test_without_network_the_radio_backs_off"),
    ("test_atparse", "test_recorded_answers_parse_or_fail_with_their_reason"),
)


def passes(module: str, case: str, budget: int) -> bool:
    """Whether the case passes with ``budget`` bytes of heap for the firmware."""
    with tempfile.TemporaryDirectory() as work:
        result = mp.run(
            mp.MP_TESTS / "runner.py",
            module,
            case,
            cwd=Path(work),
            env={"NT_BOARD_HEAP": str(budget)},
            timeout=300,
        )
    return result.returncode == 0


def smallest(module: str, case: str, step: int) -> int | None:
    """The smallest budget (to ``step`` bytes) the case passes with; None if not the board's."""
    high = mp.BOARD_HEAP_BYTES
    if not passes(module, case, high):
        return None
    low = 0
    while high - low > step:
        middle = (low + high) // 2
        if passes(module, case, middle):
            high = middle
        else:
            low = middle
    return high


def main() -> None:
    """Print the smallest budget of each scenario."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--step", type=int, default=2048)
    args = parser.parse_args()
    print(f"board budget {mp.BOARD_HEAP_BYTES} bytes, holes of {mp.HEAP_HOLE_BYTES} bytes")
    for module, case in CASES:
        need = smallest(module, case, args.step)
        shown = "does not fit" if need is None else f"{need:6d} bytes"
        print(f"{module}.{case:<58} {shown}")


if __name__ == "__main__":
    main()
