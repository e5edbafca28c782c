"""Store-and-forward on disk: events wait here, in order, until both files and message are out.

Each event is a folder ``{seq:012d}-{event_id}`` holding its evidence files, ``manifest.json``
and ``event.json``. The spool is bounded by a number of events and a number of bytes; when a new
event does not fit, the oldest waiting events are deleted and counted, and that count travels
with the next event that goes out (``dropped_events``).
"""

from __future__ import annotations

import json
import re
import shutil
from dataclasses import dataclass
from pathlib import Path

from edge.vault import RawVault

STATE = "state.json"
UPLOADED = ".uploaded"
_EVENT_FOLDER = re.compile(r"^\d{12}-[A-Za-z0-9-]+$")


@dataclass(frozen=True, slots=True)
class SpoolItem:
    """One waiting event."""

    folder: Path

    @property
    def seq(self) -> int:
        """The event's sequence number."""
        return int(self.folder.name.split("-", 1)[0])

    @property
    def uploaded(self) -> bool:
        """Whether its files already reached the server."""
        return (self.folder / UPLOADED).exists()

    def mark_uploaded(self) -> None:
        """Remember that the files are out, so a restart does not upload them again."""
        (self.folder / UPLOADED).touch()


def _size(folder: Path) -> int:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file())


class Spool:
    """The on-disk queue of one camera unit."""

    def __init__(self, folder: Path, *, max_events: int, max_bytes: int) -> None:
        self.folder = folder
        self.max_events = max_events
        self.max_bytes = max_bytes
        folder.mkdir(parents=True, exist_ok=True)
        for leftover in folder.glob("*.partial"):  # a crash while writing: never half an event
            shutil.rmtree(leftover, ignore_errors=True)

    def _state(self) -> dict[str, int]:
        path = self.folder / STATE
        if not path.exists():
            return {"next_seq": 1, "dropped": 0}
        data: dict[str, int] = json.loads(path.read_text("utf-8"))
        return data

    def _save(self, state: dict[str, int]) -> None:
        tmp = self.folder / (STATE + ".tmp")
        tmp.write_text(json.dumps(state), "utf-8")
        tmp.replace(self.folder / STATE)

    def next_seq(self) -> int:
        """Reserve the next event sequence number (it survives restarts)."""
        state = self._state()
        seq = state["next_seq"]
        state["next_seq"] = seq + 1
        self._save(state)
        return seq

    @property
    def dropped(self) -> int:
        """Events dropped since the last one that went out."""
        return self._state()["dropped"]

    def reset_dropped(self, reported: int) -> None:
        """The broker has the count: subtract what was reported."""
        state = self._state()
        state["dropped"] = max(0, state["dropped"] - reported)
        self._save(state)

    def staging(self, seq: int, event_id: str) -> Path:
        """A folder to build an event in; ``commit`` makes it visible atomically."""
        path = self.folder / f"{seq:012d}-{event_id}.partial"
        path.mkdir()
        return path

    def commit(self, staging: Path) -> SpoolItem:
        """Publish a built event into the queue, dropping the oldest when over the bounds."""
        final = staging.with_suffix("")
        staging.rename(final)
        self._enforce(keep=final)
        return SpoolItem(final)

    def _enforce(self, *, keep: Path) -> None:
        items = self.items()
        sizes = {item.folder: _size(item.folder) for item in items}
        total = sum(sizes.values())
        dropped = 0
        for item in items:
            if len(items) - dropped <= self.max_events and total <= self.max_bytes:
                break
            if item.folder == keep:
                continue
            total -= sizes[item.folder]
            shutil.rmtree(item.folder, ignore_errors=True)
            dropped += 1
        if dropped:
            state = self._state()
            state["dropped"] += dropped
            self._save(state)

    def items(self) -> list[SpoolItem]:
        """Waiting events, oldest first."""
        folders = [p for p in self.folder.iterdir() if p.is_dir() and _EVENT_FOLDER.match(p.name)]
        return [SpoolItem(p) for p in sorted(folders)]

    def remove(self, item: SpoolItem) -> None:
        """The event is fully delivered."""
        shutil.rmtree(item.folder, ignore_errors=True)


_FIRST_NUMBER = 10**11  # room to put entries ahead of the first one as well as after the last


@dataclass(frozen=True, slots=True)
class BacklogEntry:
    """One detection waiting on disk to be packaged."""

    folder: Path
    meta: bytes
    frames: list[bytes]


class Backlog:
    """Detections the packaging worker could not take yet, on disk in arrival order.

    Each entry is a folder ``{n:012d}`` holding ``meta`` (what the worker needs to know) and the
    buffered frames, all sealed with the vault key: these are unblurred frames, and the unit
    keeps those only encrypted. Entries survive a restart and are packaged then.
    """

    def __init__(self, folder: Path, *, vault: RawVault) -> None:
        self.folder = folder
        self.vault = vault
        folder.mkdir(parents=True, exist_ok=True)
        for leftover in folder.glob("*.partial"):
            shutil.rmtree(leftover, ignore_errors=True)

    def _entries(self) -> list[Path]:
        return sorted(p for p in self.folder.iterdir() if p.is_dir() and p.name.isdigit())

    def __len__(self) -> int:
        return len(self._entries())

    def push(self, meta: bytes, frames: list[bytes], *, first: bool = False) -> Path:
        """Write one entry atomically (a crash leaves all of it or nothing), last in line or,
        with ``first``, ahead of every other (jobs that were already waiting in memory)."""
        entries = self._entries()
        if not entries:
            number = _FIRST_NUMBER
        else:
            number = int(entries[0].name) - 1 if first else int(entries[-1].name) + 1
        final = self.folder / f"{number:012d}"
        staging = final.with_suffix(".partial")
        staging.mkdir()
        (staging / "meta").write_bytes(self.vault.seal(meta, context=f"{final.name}/meta"))
        for index, frame in enumerate(frames):
            name = f"{index:05d}"
            (staging / name).write_bytes(self.vault.seal(frame, context=f"{final.name}/{name}"))
        staging.rename(final)
        return final

    def oldest(self) -> BacklogEntry | None:
        """The entry that waited longest, or None."""
        entries = self._entries()
        if not entries:
            return None
        folder = entries[0]
        meta = self.vault.unseal((folder / "meta").read_bytes(), context=f"{folder.name}/meta")
        names = sorted(p.name for p in folder.iterdir() if p.name.isdigit())
        frames = [
            self.vault.unseal((folder / n).read_bytes(), context=f"{folder.name}/{n}")
            for n in names
        ]
        return BacklogEntry(folder, meta, frames)

    def remove(self, entry: BacklogEntry) -> None:
        """The entry was packaged into the spool."""
        shutil.rmtree(entry.folder, ignore_errors=True)
