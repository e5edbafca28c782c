"""The unit's disk: a bounded store-and-forward spool and the encrypted store of originals."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.serialization import Encoding, NoEncryption, PrivateFormat
from pydantic import SecretStr

from config.settings import InsecureSettingError, Mode
from contracts.evidence import public_key_bytes
from edge.keys import DeviceSecret, KeyUnlockError, load_or_create_key
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


def test_the_units_keys_are_unreadable_without_the_device_secret(tmp_path: Path) -> None:
    """Signing key and vault key are stored encrypted; the data folder with a wrong secret opens neither."""
    key = load_or_create_key(tmp_path / "device.key", TEST_SECRET)
    vault = RawVault(tmp_path / "raw", retention_days=30, secret=TEST_SECRET)
    vault.put("event-0001", "raw-during.jpg", b"unblurred")
    pem = (tmp_path / "device.key").read_bytes()
    assert pem.startswith(b"-----BEGIN ENCRYPTED PRIVATE KEY-----")
    raw_key = key.private_bytes(Encoding.Raw, PrivateFormat.Raw, NoEncryption())
    assert raw_key not in pem
    wrong = DeviceSecret(b"another unit's secret, not ours")
    with pytest.raises(KeyUnlockError):
        load_or_create_key(tmp_path / "device.key", wrong)
    with pytest.raises(KeyUnlockError):
        RawVault(tmp_path / "raw", retention_days=30, secret=wrong)
    again = RawVault(tmp_path / "raw", retention_days=30, secret=TEST_SECRET)
    assert again.get("event-0001", "raw-during.jpg") == b"unblurred"
    assert public_key_bytes(load_or_create_key(tmp_path / "device.key", TEST_SECRET)) == (
        public_key_bytes(key)
    )


def test_keys_stored_in_the_clear_are_encrypted_in_place(tmp_path: Path) -> None:
    """A signing key and a vault key written unencrypted by an earlier version keep working and are sealed on first start."""
    old = Ed25519PrivateKey.generate()
    (tmp_path / "device.key").write_bytes(
        old.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, NoEncryption())
    )
    (tmp_path / "raw").mkdir()
    plain_vault_key = AESGCM.generate_key(bit_length=256)
    (tmp_path / "raw" / "vault.key").write_bytes(plain_vault_key)
    sealed = AESGCM(plain_vault_key)
    nonce = b"\0" * 12
    (tmp_path / "raw" / "event-0001").mkdir()
    (tmp_path / "raw" / "event-0001" / "raw-before.jpg.enc").write_bytes(
        nonce + sealed.encrypt(nonce, b"old original", b"event-0001")
    )

    key = load_or_create_key(tmp_path / "device.key", TEST_SECRET)
    vault = RawVault(tmp_path / "raw", retention_days=30, secret=TEST_SECRET)
    assert public_key_bytes(key) == public_key_bytes(old)
    assert vault.get("event-0001", "raw-before.jpg") == b"old original"
    assert b"ENCRYPTED" in (tmp_path / "device.key").read_bytes()
    assert plain_vault_key not in (tmp_path / "raw" / "vault.key").read_bytes()


def test_a_legal_hold_keeps_originals_past_the_retention_until_released(tmp_path: Path) -> None:
    """A held event's originals survive the 30-day purge; once its case is released they go."""
    vault = RawVault(tmp_path / "raw", retention_days=30, secret=TEST_SECRET)
    vault.put("event-held", "raw-during.jpg", b"kept for the case")
    vault.put("event-free", "raw-during.jpg", b"not held")
    assert vault.hold("event-held", case_number="SLK-2026-000001")
    assert not vault.hold("event-gone", case_number="SLK-2026-000002")
    later = time.time() + 31 * 86400
    assert vault.purge(now=later) == 1
    assert vault.get("event-held", "raw-during.jpg") == b"kept for the case"
    assert vault.get("event-free", "raw-during.jpg") is None
    vault.release("event-held", case_number="SLK-2026-000001")
    assert vault.purge(now=later) == 1
    assert vault.get("event-held", "raw-during.jpg") is None


def test_production_refuses_the_default_device_secret(tmp_path: Path) -> None:
    """A camera in production mode does not start with the development device secret or one inside its data folder."""
    with pytest.raises(InsecureSettingError, match="NETTESTAD_DEVICE_SECRET"):
        EdgeSettings(
            mode=Mode.PRODUCTION, mqtt_username="cam-0001", mqtt_password=SecretStr("x" * 40)
        )
    inside = tmp_path / "data" / "secret"
    with pytest.raises(InsecureSettingError, match="must not lie inside the data folder"):
        EdgeSettings(
            mode=Mode.PRODUCTION,
            mqtt_username="cam-0001",
            mqtt_password=SecretStr("x" * 40),
            data_dir=tmp_path / "data",
            device_secret_file=inside,
        )


def test_edge_key_with_a_wrong_device_secret_prints_one_line(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    """`nettestad edge key` with a secret that does not open the stored key exits 1 with one line, no traceback."""
    from nettestad.cli import main

    monkeypatch.setenv("NETTESTAD_DATA_DIR", str(tmp_path))
    monkeypatch.setenv("NETTESTAD_DEVICE_SECRET", "the secret this unit was set up with")
    assert main(["edge", "key"]) == 0
    monkeypatch.setenv("NETTESTAD_DEVICE_SECRET", "someone else's guess at the secret")
    capsys.readouterr()
    assert main(["edge", "key"]) == 1
    err = capsys.readouterr().err.strip()
    assert err.startswith("edge key:")
    assert "does not open" in err
    assert len(err.splitlines()) == 1
