"""The unit's disk: a bounded store-and-forward spool and the encrypted store of originals."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag

from edge.settings import EdgeSettings
from edge.spool import Spool
from edge.vault import RawVault
from tests.edge.conftest import TEST_SECRET


def _add(spool: Spool, payload: bytes = b"x" * 100) -> None:
    seq = spool.next_seq()
    staging = spool.staging(seq, f"event-{seq:04d}")
    (staging / "event.json").write_bytes(payload)
    spool.commit(staging)


def test_spool_keeps_order_and_drops_the_oldest_with_a_count(tmp_path: Path) -> None:
    """Over its bound the spool deletes the oldest events, counts them, and keeps the rest in order."""
    spool = Spool(tmp_path / "spool", max_events=3, max_bytes=10**6)
    for _ in range(5):
        _add(spool)
    assert [item.seq for item in spool.items()] == [3, 4, 5]
    assert spool.dropped == 2
    spool.reset_dropped(2)
    assert spool.dropped == 0
    reopened = Spool(tmp_path / "spool", max_events=3, max_bytes=10**6)
    assert reopened.next_seq() == 6  # sequence numbers survive a restart


def test_spool_bounds_bytes_and_forgets_half_written_events(tmp_path: Path) -> None:
    """Too many bytes also drop the oldest, and an event that was being written at a crash is discarded."""
    spool = Spool(tmp_path / "spool", max_events=100, max_bytes=2 * 1024 * 1024)
    for _ in range(3):
        _add(spool, os.urandom(900 * 1024))
    assert [item.seq for item in spool.items()] == [2, 3]
    assert spool.dropped == 1
    spool.staging(spool.next_seq(), "crashed-event")
    again = Spool(tmp_path / "spool", max_events=100, max_bytes=2 * 1024 * 1024)
    assert [item.seq for item in again.items()] == [2, 3]
    assert not list((tmp_path / "spool").glob("*.partial"))


def test_vault_encrypts_binds_to_the_event_and_purges_after_retention(tmp_path: Path) -> None:
    """Originals are unreadable on disk, do not decrypt under another event, and go after the retention."""
    vault = RawVault(tmp_path / "raw", retention_days=30, secret=TEST_SECRET)
    secret = b"unblurred frame " * 64
    vault.put("event-0001", "raw-during.jpg", secret)
    sealed = tmp_path / "raw" / "event-0001" / "raw-during.jpg.enc"
    assert b"unblurred frame" not in sealed.read_bytes()
    assert vault.get("event-0001", "raw-during.jpg") == secret
    moved = tmp_path / "raw" / "event-0002" / "raw-during.jpg.enc"
    moved.parent.mkdir()
    moved.write_bytes(sealed.read_bytes())
    with pytest.raises(InvalidTag):
        vault.get("event-0002", "raw-during.jpg")
    with pytest.raises(ValueError, match="plain names"):
        vault.put("../etc", "x", b"")
    assert vault.purge(now=time.time() + 29 * 86400) == 0
    assert vault.purge(now=time.time() + 31 * 86400) == 2
    assert vault.get("event-0001", "raw-during.jpg") is None
    with pytest.raises(ValueError, match="less than or equal to 30"):
        EdgeSettings(raw_retention_days=45)
