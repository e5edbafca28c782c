"""The unit's keys, encrypted at rest with a device secret that is not stored next to them.

Two keys live in the unit's data folder: the Ed25519 signing key (its public half is registered
on the server) and the key of the sealed unblurred originals (``edge/vault.py``). Both are
written encrypted under a key derived (scrypt) from the device secret, which comes from outside
the data folder: a systemd credential sealed to the unit's TPM, or a file on another medium
(docs/operations.md "Threat model: evidence and camera keys"). A copied SD card or data folder
thus yields neither the originals nor a key that could sign forged evidence.

Keys written in the clear by an earlier version are encrypted in place on first start.
"""

from __future__ import annotations

import logging
import os
import secrets
from dataclasses import dataclass
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt
from cryptography.hazmat.primitives.serialization import (
    BestAvailableEncryption,
    Encoding,
    PrivateFormat,
    load_pem_private_key,
)

log = logging.getLogger(__name__)
MIN_SECRET_BYTES = 16
WRAPPED = b"NTWK1\n"  # a wrapped symmetric key file starts with this
_SALT_BYTES = 16
_ENCRYPTED_PEM = b"-----BEGIN ENCRYPTED PRIVATE KEY-----"


class KeyUnlockError(RuntimeError):
    """A key file cannot be opened with the device secret (wrong secret or damaged file)."""


@dataclass(frozen=True, slots=True)
class DeviceSecret:
    """The secret that unlocks the unit's keys; validated at construction."""

    value: bytes

    def __post_init__(self) -> None:
        if len(self.value) < MIN_SECRET_BYTES:
            raise ValueError(f"the device secret needs at least {MIN_SECRET_BYTES} bytes")

    def __repr__(self) -> str:
        return "DeviceSecret(***)"

    def derive(self, salt: bytes) -> bytes:
        """A 256-bit key-encryption key for one key file."""
        return Scrypt(salt=salt, length=32, n=2**14, r=8, p=1).derive(self.value)


def _write_private(path: Path, data: bytes) -> None:
    """Write a key file readable by the owner only, atomically."""
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.{secrets.token_hex(6)}")
    fd = os.open(tmp, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as out:
        out.write(data)
        out.flush()
        os.fsync(out.fileno())
    tmp.replace(path)


def wrap_key(secret: DeviceSecret, key: bytes) -> bytes:
    """A symmetric key encrypted under the device secret (salt, nonce, AES-GCM)."""
    salt = secrets.token_bytes(_SALT_BYTES)
    nonce = secrets.token_bytes(12)
    return WRAPPED + salt + nonce + AESGCM(secret.derive(salt)).encrypt(nonce, key, WRAPPED)


def unwrap_key(secret: DeviceSecret, blob: bytes) -> bytes:
    """Open a wrapped key; ``KeyUnlockError`` when the secret is not the one it was sealed with."""
    body = blob[len(WRAPPED) :]
    salt, nonce, sealed = body[:_SALT_BYTES], body[_SALT_BYTES : _SALT_BYTES + 12], body[28:]
    try:
        return AESGCM(secret.derive(salt)).decrypt(nonce, sealed, WRAPPED)
    except InvalidTag as exc:
        raise KeyUnlockError("the device secret does not open this key") from exc


def load_or_create_symmetric_key(path: Path, secret: DeviceSecret) -> bytes:
    """The 256-bit key in ``path`` (made on first start), stored wrapped by the device secret."""
    if not path.exists():
        key = AESGCM.generate_key(bit_length=256)
        _write_private(path, wrap_key(secret, key))
        return key
    blob = path.read_bytes()
    if blob.startswith(WRAPPED):
        try:
            return unwrap_key(secret, blob)
        except KeyUnlockError as exc:
            raise KeyUnlockError(f"{path}: {exc}") from exc
    if len(blob) != 32:
        raise KeyUnlockError(f"{path} holds no key this unit can read")
    log.warning("encrypting the key in %s, stored in the clear by an earlier version", path)
    _write_private(path, wrap_key(secret, blob))
    return blob


def load_or_create_key(path: Path, secret: DeviceSecret) -> Ed25519PrivateKey:
    """The device's signing key, created on first start; stored as encrypted PKCS#8."""
    encryption = BestAvailableEncryption(secret.value)
    if not path.exists():
        key = Ed25519PrivateKey.generate()
        _write_private(path, key.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, encryption))
        return key
    pem = path.read_bytes()
    encrypted = pem.lstrip().startswith(_ENCRYPTED_PEM)
    try:
        loaded = load_pem_private_key(pem, password=secret.value if encrypted else None)
    except (ValueError, TypeError) as exc:
        raise KeyUnlockError(f"{path}: the device secret does not open this key") from exc
    if not isinstance(loaded, Ed25519PrivateKey):
        raise KeyUnlockError(f"{path} does not hold an Ed25519 private key")
    if not encrypted:
        log.warning("encrypting the signing key in %s, stored in the clear before", path)
        _write_private(path, loaded.private_bytes(Encoding.PEM, PrivateFormat.PKCS8, encryption))
    return loaded
