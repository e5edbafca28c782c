"""How the enforcement views reach evidence files: a narrow interface, so tests and other stores plug in.

The camera units upload the (blurred) files; this module only reads and removes them. The default
keeps one directory per event under the API's evidence directory.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path
from typing import Protocol

_SAFE = re.compile(r"^[A-Za-z0-9._-]{1,100}$")


class EvidenceFiles(Protocol):
    """Read and remove the stored files of a dumping event."""

    def read(self, event_id: str, name: str) -> bytes | None:
        """A file's bytes, or None when it is not (or no longer) stored."""
        ...

    def remove(self, event_id: str) -> int:
        """Delete every stored file of an event; returns how many went."""
        ...


class DirectoryEvidence:
    """Files at ``<root>/<event_id>/<name>``."""

    def __init__(self, root: Path) -> None:
        self.root = root

    def _folder(self, event_id: str) -> Path | None:
        return self.root / event_id if _SAFE.match(event_id) and ".." not in event_id else None

    def read(self, event_id: str, name: str) -> bytes | None:
        """A file's bytes, or None."""
        folder = self._folder(event_id)
        if folder is None or not _SAFE.match(name) or name.startswith("."):
            return None
        path = folder / name
        return path.read_bytes() if path.is_file() else None

    def remove(self, event_id: str) -> int:
        """Delete the event's folder."""
        folder = self._folder(event_id)
        if folder is None or not folder.is_dir():
            return 0
        count = sum(1 for p in folder.rglob("*") if p.is_file())
        shutil.rmtree(folder)
        return count
