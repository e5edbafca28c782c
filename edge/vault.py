"""Unblurred originals on the device: AES-GCM encrypted at rest, deleted after the retention.

An event under a legal hold (an open case on the server, ``api/legal_hold.py``) keeps its
originals past the retention until the hold is released.
"""

from __future__ import annotations

import json
import logging
import re
import secrets
import threading
import time
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from edge.keys import DeviceSecret, load_or_create_symmetric_key

log = logging.getLogger(__name__)
_NAME = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
HOLD = ".hold"


class RawVault:
    """Encrypted files under ``folder/{event_id}/{name}.enc`` with a device-local key.

    The key file never leaves the unit and is itself encrypted with the device secret
    (``edge/keys.py``), so the folder alone opens nothing. The event id is bound into each file
    as associated data, so a file moved to another event does not decrypt.
    """

    def __init__(
        self, folder: Path, *, retention_days: int, secret: DeviceSecret | None = None
    ) -> None:
        """``secret`` None: one made for this process only, for throw-away vaults (evaluation,
        replay); such a vault cannot be reopened after a restart."""
        secret = secret or DeviceSecret(secrets.token_bytes(32))
        self.folder = folder
        self.retention_s = retention_days * 86400
        # holds arrive on the MQTT thread while the frame loop purges: one at a time
        self._lock = threading.Lock()
        folder.mkdir(parents=True, exist_ok=True)
        self._aead = AESGCM(load_or_create_symmetric_key(folder / "vault.key", secret))

    def seal(self, data: bytes, *, context: str) -> bytes:
        """Encrypt bytes kept elsewhere on the unit (the packaging backlog) with the vault key."""
        nonce = secrets.token_bytes(12)
        return nonce + self._aead.encrypt(nonce, data, context.encode())

    def unseal(self, blob: bytes, *, context: str) -> bytes:
        """Decrypt what ``seal`` made under the same context."""
        return self._aead.decrypt(blob[:12], blob[12:], context.encode())

    def _path(self, event_id: str, name: str) -> Path:
        if not (_NAME.match(event_id) and _NAME.match(name)):
            raise ValueError("event id and file name must be plain names")
        return self.folder / event_id / f"{name}.enc"

    def put(self, event_id: str, name: str, data: bytes) -> None:
        """Encrypt and store one original."""
        path = self._path(event_id, name)
        nonce = secrets.token_bytes(12)
        sealed = nonce + self._aead.encrypt(nonce, data, event_id.encode())
        with self._lock:  # the purge removes empty event folders
            path.parent.mkdir(parents=True, exist_ok=True)
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

    def hold(self, event_id: str, *, case_number: str) -> bool:
        """Keep an event's originals past the retention; False when they are gone already."""
        folder = self._path(event_id, "hold").parent
        marker = folder / HOLD
        with self._lock:
            if not folder.is_dir():
                log.warning("legal hold %s for %s: no originals left", case_number, event_id)
                return False
            cases = set(json.loads(marker.read_text("utf-8"))) if marker.exists() else set()
            tmp = folder / f"{HOLD}.tmp"
            tmp.write_text(json.dumps(sorted(cases | {case_number})), "utf-8")
            tmp.replace(marker)
        log.info("legal hold %s: keeping the originals of %s", case_number, event_id)
        return True

    def release(self, event_id: str, *, case_number: str) -> None:
        """A case closed: its hold ends, and the retention applies again once no case holds."""
        marker = self._path(event_id, "hold").parent / HOLD
        with self._lock:
            if not marker.exists():
                return
            cases = set(json.loads(marker.read_text("utf-8"))) - {case_number}
            if cases:
                marker.write_text(json.dumps(sorted(cases)), "utf-8")
            else:
                marker.unlink()
        log.info("legal hold %s released for %s", case_number, event_id)

    def held(self, event_id: str) -> bool:
        """Whether a legal hold keeps this event's originals."""
        return (self._path(event_id, "hold").parent / HOLD).exists()

    def purge(self, *, now: float | None = None) -> int:
        """Delete originals older than the retention unless held; returns how many files went."""
        limit = (now if now is not None else time.time()) - self.retention_s
        removed = 0
        with self._lock:
            for path in self.folder.glob("*/*.enc"):
                if (path.parent / HOLD).exists():
                    continue
                if path.stat().st_mtime < limit:
                    path.unlink()
                    removed += 1
            for folder in self.folder.iterdir():
                if folder.is_dir() and not any(folder.iterdir()):
                    folder.rmdir()
        return removed
