"""The broker's password file: device and service logins, hashed as Mosquitto hashes them.

Credentials live in a password file rather than in the dynamic security plugin: the file is
plain text an operator can audit, back up and diff, the broker reloads it on SIGHUP without
dropping anybody else, and nothing needs an admin account on the broker itself (one more
secret to protect). Hashes are written here in Mosquitto's own PBKDF2-SHA512 format (``$7$``),
so neither provisioning nor the API container needs the ``mosquitto_passwd`` binary.

Service accounts are named ``svc_<name>``; a device id can never contain ``_``
(``contracts.topics.DEVICE_ID_PATTERN``), so a device can never take over a service's entry, and
the ``%u`` patterns of the ACL give services no device subtree.
"""

from __future__ import annotations

import base64
import contextlib
import hashlib
import os
import re
import secrets
import tempfile
from pathlib import Path

from contracts import DEVICE_ID_PATTERN

PBKDF2_ITERATIONS = 1000
SERVICE_PATTERN = re.compile(r"^svc_[a-z0-9_]{1,40}$")


class CredentialError(ValueError):
    """A user name that is not a valid device or service account, or an unusable file."""


def hash_password(password: str, *, salt: bytes | None = None) -> str:
    """A Mosquitto ``$7$`` (PBKDF2-SHA512) hash of ``password``."""
    if not password:
        raise CredentialError("an empty password cannot be stored")
    salt = salt if salt is not None else secrets.token_bytes(12)
    digest = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, PBKDF2_ITERATIONS)
    encoded_salt = base64.b64encode(salt).decode()
    return f"$7${PBKDF2_ITERATIONS}${encoded_salt}${base64.b64encode(digest).decode()}"


def verify_password(password: str, stored: str) -> bool:
    """Whether ``password`` matches a ``$7$`` hash (the one format this module writes)."""
    parts = stored.split("$")
    if len(parts) != 5 or parts[1] != "7":
        return False
    iterations, salt, digest = int(parts[2]), base64.b64decode(parts[3]), parts[4]
    computed = hashlib.pbkdf2_hmac("sha512", password.encode(), salt, iterations)
    return secrets.compare_digest(base64.b64encode(computed).decode(), digest)


def read_passwd(path: Path) -> dict[str, str]:
    """User name → hash, in file order; a missing file is an empty one."""
    if not path.exists():
        return {}
    entries: dict[str, str] = {}
    for line in path.read_text("utf-8").splitlines():
        if not line.strip() or line.startswith("#"):
            continue
        user, _, hashed = line.partition(":")
        entries[user] = hashed
    return entries


def _write_passwd(path: Path, entries: dict[str, str]) -> None:
    # Atomic replace: the broker may reload at any moment and must never see half a file.
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.")
    try:
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.writelines(f"{user}:{hashed}\n" for user, hashed in entries.items())
        # readable by the broker's group, never by others (Mosquitto 2.0.16+ warns otherwise)
        Path(tmp).chmod(0o640)
        if path.exists():
            # keep the owner the operator gave the file (the broker's user in the container)
            info = path.stat()
            with contextlib.suppress(PermissionError):  # not root: the file stays ours
                os.chown(tmp, info.st_uid, info.st_gid)
        Path(tmp).replace(path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _check_device_id(device_id: str) -> None:
    if not DEVICE_ID_PATTERN.match(device_id):
        raise CredentialError(
            f"{device_id!r} is not a device id (pattern {DEVICE_ID_PATTERN.pattern})"
        )


def add_device_credentials(*, passwd_file: Path | str, device_id: str, password: str) -> None:
    """Let ``device_id`` log in with ``password`` (replacing an earlier password); reload after."""
    _check_device_id(device_id)
    path = Path(passwd_file)
    entries = read_passwd(path)
    entries[device_id] = hash_password(password)
    _write_passwd(path, entries)


def revoke_device_credentials(*, passwd_file: Path | str, device_id: str) -> bool:
    """Remove a device's login; False when it had none. Reload the broker to disconnect it."""
    _check_device_id(device_id)
    path = Path(passwd_file)
    entries = read_passwd(path)
    if entries.pop(device_id, None) is None:
        return False
    _write_passwd(path, entries)
    return True


def set_service_credentials(*, passwd_file: Path | str, service: str, password: str) -> None:
    """Create or change a service account (``svc_ingest``, ``svc_api``, ...)."""
    if not SERVICE_PATTERN.match(service):
        raise CredentialError(f"{service!r} is not a service account name (svc_<name>)")
    path = Path(passwd_file)
    entries = read_passwd(path)
    entries[service] = hash_password(password)
    _write_passwd(path, entries)
