"""The firmware's own tests, each run by the real MicroPython interpreter on simulated hardware."""

from __future__ import annotations

from pathlib import Path

import pytest
from harness.micropython import MP_TESTS, mp_cases, run

OFFLINE_MODULES = (
    "test_measure",
    "test_policy",
    "test_rtcbuf",
    "test_spool",
    "test_config",
    "test_mqtt",
    "test_atparse",
)
# A simulated week of hourly wake-ups takes a few seconds of real time.
SLOW_MODULES = {"test_spool"}
CASES = [
    pytest.param(
        module,
        case,
        id=f"{module}.{case}",
        marks=[pytest.mark.slow] if module in SLOW_MODULES else [],
    )
    for module in OFFLINE_MODULES
    for case in mp_cases(module)
]


@pytest.mark.parametrize(("module", "case"), CASES)
def test_firmware_case_passes_under_micropython(module: str, case: str, tmp_path: Path) -> None:
    """The MicroPython test case (see its docstring in tests/firmware/mp) passes on the Unix port."""
    result = run(MP_TESTS / "runner.py", module, case, cwd=tmp_path)
    assert result.returncode == 0, result.stdout + result.stderr
    assert f"PASS {module} {case}" in result.stdout
