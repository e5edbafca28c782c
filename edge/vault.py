"""Unblurred originals on the device: AES-GCM encrypted at rest, deleted after the retention."""

from __future__ import annotations

import os
import re
import secrets
import time
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


class RawVault:
    """Encrypted files under ``folder/{event_id}/{name}.enc`` with a device-local key.

    The key file never leaves the unit; losing it makes the originals unreadable, which is
    the point after the retention period anyway. The event id is bound into each file as
    associated data, so a file moved to another event does not decrypt.
    """

    def __init__(self, folder: Path, *, retention_days: int) -> None:
        self.folder = folder
        self.retention_s = retention_days * 86400
        folder.mkdir(parents=True, exist_ok=True)
        key_file = folder / "vault.key"
        if not key_file.exists():
            fd = os.open(key_file, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
            with os.fdopen(fd, "wb") as out:
                out.write(AESGCM.generate_key(bit_length=256))
        self._aead = AESGCM(key_file.read_bytes())

    def _path(self, event_id: str, name: str) -> Path:
        if not (_NAME.match(event_id) and _NAME.match(name)):
            raise ValueError("event id and file name must be plain names")
        return self.folder / event_id / f"{name}.enc"

    def put(self, event_id: str, name: str, data: bytes) -> None:
        """Encrypt and store one original."""
        path = self._path(event_id, name)
        path.parent.mkdir(parents=True, exist_ok=True)
        nonce = secrets.token_bytes(12)
        sealed = nonce + self._aead.encrypt(nonce, data, event_id.encode())
        tmp = path.with_suffix(".tmp")
        tmp.write_bytes(sealed)
        tmp.replace(path)

    def get(self, event_id: str, name: str) -> bytes | None:
        """Decrypt one original; None when it is gone (expired or never kept)."""
        path = self._path(event_id, name)
        if not path.exists():
            return None
        sealed = path.read_bytes()
        return self._aead.decrypt(sealed[:12], sealed[12:], event_id.encode())

    def purge(self, *, now: float | None = None) -> int:
        """Delete originals older than the retention; returns how many files went."""
        limit = (now if now is not None else time.time()) - self.retention_s
        removed = 0
        for path in self.folder.glob("*/*.enc"):
            if path.stat().st_mtime < limit:
                path.unlink()
                removed += 1
        for folder in self.folder.iterdir():
            if folder.is_dir() and not any(folder.iterdir()):
                folder.rmdir()
        return removed
