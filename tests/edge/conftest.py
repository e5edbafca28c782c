"""Fixtures of the camera unit's tests: a camera configuration and its evidence tools."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path

import pytest
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey

from edge.config import CameraConfig
from edge.evidence import EvidenceTools
from edge.keys import DeviceSecret
from edge.privacy import PrivacyFilter
from edge.spool import Spool
from edge.vault import RawVault

MakeTools = Callable[[CameraConfig], EvidenceTools]
TEST_SECRET = DeviceSecret(b"a device secret used by the tests only")


@pytest.fixture
def make_tools(tmp_path: Path) -> MakeTools:
    """Build the evidence tools of a unit whose data lives in this test's temporary folder."""

    def make(config: CameraConfig) -> EvidenceTools:
        return EvidenceTools(
            config=config,
            privacy=PrivacyFilter(config),
            key=Ed25519PrivateKey.generate(),
            vault=RawVault(tmp_path / "raw", retention_days=30, secret=TEST_SECRET),
            spool=Spool(tmp_path / "spool", max_events=50, max_bytes=2**30),
        )

    return make
