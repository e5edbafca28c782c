"""How the API keeps evidence files: a narrow interface, so tests and other stores plug in.

The camera units upload the (blurred) files and, on an approved request, the unblurred
originals; the upload endpoint writes them, the enforcement views read them and the retention
purge removes them, all through ``EvidenceFiles``.

The default store encrypts every file at rest with a key of its event (AES-256-GCM, the event id
and file name bound in as associated data). The per-event keys live in a folder of their own,
which backups never include (``ops/backup.py``). The purge destroys an event's key before
it deletes its files: a backup taken before the purge then holds only ciphertext that nothing can
open any more (crypto-shredding, docs/operations.md "Backups and the one-month limit").
"""

from __future__ import annotations

import logging
import os
import re
import secrets
import shutil
from pathlib import Path
from typing import Protocol

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

log = logging.getLogger(__name__)
_SAFE = re.compile(r"^[A-Za-z0-9._-]{1,100}$")
MAGIC = b"NTEV1\n"  # an encrypted evidence file starts with this
KEY_BYTES = 32


def _safe(name: str) -> bool:
    return bool(_SAFE.match(name)) and ".." not in name and not name.startswith(".")


class EvidenceFiles(Protocol):
    """Write, read and remove the stored files of a dumping event."""

    def write(self, event_id: str, name: str, data: bytes) -> str:
        """Store a file durably; returns its path relative to the store."""
        ...

    def read(self, event_id: str, name: str) -> bytes | None:
        """A file's bytes, or None when it is not (or no longer) stored."""
        ...

    def remove(self, event_id: str) -> int:
        """Delete every stored file of an event (and its key); returns how many files went."""
        ...


class EvidenceKeys:
    """One random data key per event, one file each under ``root`` (mode 0600)."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _path(self, event_id: str) -> Path:
        if not _safe(event_id):
            raise ValueError(f"not a plain event id: {event_id!r}")
        return self.root / f"{event_id}.key"

    def get(self, event_id: str) -> bytes | None:
        """The event's key, or None once it was destroyed (or never made)."""
        path = self._path(event_id)
        return path.read_bytes() if path.is_file() else None

    def get_or_create(self, event_id: str) -> bytes:
        """The event's key, made on its first file; two uploads at once agree on one key."""
        existing = self.get(event_id)
        if existing is not None:
            return existing
        self.root.mkdir(mode=0o700, parents=True, exist_ok=True)
        key = AESGCM.generate_key(bit_length=KEY_BYTES * 8)
        path = self._path(event_id)
        tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
        fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(key)
            out.flush()
            os.fsync(out.fileno())
        try:
            os.link(tmp, path)  # fails when another upload made the key first: use that one
        except FileExistsError:
            pass
        finally:
            tmp.unlink()
        return path.read_bytes()

    def destroy(self, event_id: str) -> bool:
        """Delete the event's key for good; True when there was one."""
        path = self._path(event_id)
        try:
            path.unlink()
        except FileNotFoundError:
            return False
        return True


def seal(key: bytes, *, event_id: str, name: str, data: bytes) -> bytes:
    """Encrypt one file of an event."""
    nonce = secrets.token_bytes(12)
    return MAGIC + nonce + AESGCM(key).encrypt(nonce, data, f"{event_id}/{name}".encode())


def unseal(key: bytes, *, event_id: str, name: str, blob: bytes) -> bytes:
    """Decrypt one file; raises ``InvalidTag`` when it was altered or moved."""
    body = blob[len(MAGIC) :]
    return AESGCM(key).decrypt(body[:12], body[12:], f"{event_id}/{name}".encode())


class DirectoryEvidence:
    """Encrypted files at ``<root>/<event_id>/<name>``, keys at ``<key_root>/<event_id>.key``.

    ``key_root`` defaults to the sibling folder ``<root>-keys`` (``var/evidence`` and
    ``var/evidence-keys``), which must not lie inside ``root``: the evidence folder is what
    backups copy.
    """

    def __init__(self, root: Path, *, key_root: Path | None = None) -> None:
        self.root = root
        self.keys = EvidenceKeys(key_root or root.with_name(f"{root.name}-keys"))
        if self.keys.root.resolve().is_relative_to(root.resolve()):
            raise ValueError("the evidence key folder must not lie inside the evidence folder")

    def _folder(self, event_id: str) -> Path | None:
        return self.root / event_id if _safe(event_id) else None

    def write(self, event_id: str, name: str, data: bytes) -> str:
        """Encrypt with the event's key and write durably (fsync, then an atomic rename)."""
        folder = self._folder(event_id)
        if folder is None or not _safe(name):
            raise ValueError("event id and file name must be plain names")
        sealed = seal(self.keys.get_or_create(event_id), event_id=event_id, name=name, data=data)
        folder.mkdir(parents=True, exist_ok=True)
        target = folder / name
        tmp = folder / f".{name}.{secrets.token_hex(6)}.tmp"
        with tmp.open("wb") as out:
            out.write(sealed)
            out.flush()
            os.fsync(out.fileno())
        tmp.replace(target)
        return f"{event_id}/{name}"

    def read(self, event_id: str, name: str) -> bytes | None:
        """A file's plaintext; None when missing or its key is destroyed.

        A file that no longer decrypts (altered on disk) comes back as stored, so the bundle's
        hash check reports it as altered instead of hiding it. A file without the encryption
        header was stored before encryption at rest and is returned as it is.
        """
        folder = self._folder(event_id)
        if folder is None or not _safe(name):
            return None
        path = folder / name
        if not path.is_file():
            return None
        blob = path.read_bytes()
        if not blob.startswith(MAGIC):
            return blob
        key = self.keys.get(event_id)
        if key is None:
            return None
        try:
            return unseal(key, event_id=event_id, name=name, blob=blob)
        except InvalidTag:
            log.error("evidence file %s/%s does not decrypt: altered on disk", event_id, name)
            return blob

    def seal_existing(self) -> int:
        """Encrypt the files stored before encryption at rest; returns how many were sealed."""
        sealed = 0
        for folder in sorted(p for p in self.root.iterdir() if p.is_dir() and _safe(p.name)):
            for path in sorted(p for p in folder.iterdir() if p.is_file() and _safe(p.name)):
                with path.open("rb") as stream:
                    if stream.read(len(MAGIC)) == MAGIC:
                        continue
                self.write(folder.name, path.name, path.read_bytes())
                sealed += 1
        return sealed

    def remove(self, event_id: str) -> int:
        """Destroy the event's key first, then delete its folder."""
        folder = self._folder(event_id)
        if folder is None:
            return 0
        self.keys.destroy(event_id)
        if not folder.is_dir():
            return 0
        count = sum(1 for p in folder.rglob("*") if p.is_file())
        shutil.rmtree(folder)
        return count
