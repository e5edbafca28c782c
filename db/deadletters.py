"""Messages ingest could not accept (dead letters, kept with their raw bytes and the reason) and
messages that suggest an attack or a mis-provisioned device (security events)."""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass

from db.conn import Conn


@dataclass(frozen=True, slots=True)
class DeadLetter:
    """A message that could not be accepted, kept with its raw bytes."""

    topic: str
    payload: bytes
    code: str
    reason: str
    device_id: str | None


@dataclass(frozen=True, slots=True)
class SecurityEvent:
    """A message that suggests an attack or a mis-provisioned device."""

    kind: str
    topic_device_id: str | None
    claimed_device_id: str | None
    topic: str
    payload: bytes
    detail: str


def _text(value: str | None) -> str | None:
    """Text PostgreSQL can store: a NUL (which it refuses) written out as ``\\x00``."""
    return value.replace("\x00", "\\x00") if value is not None else None


def insert_dead_letters(*, conn: Conn, letters: Iterable[DeadLetter]) -> None:
    """Keep rejected messages with their reason and raw bytes."""
    with conn.cursor() as cur:
        cur.executemany(
            """INSERT INTO dead_letters (topic, payload, code, reason, device_id)
               VALUES (%s, %s, %s, %s, %s)""",
            [
                (_text(d.topic), d.payload, d.code, _text(d.reason), _text(d.device_id))
                for d in letters
            ],
        )


def insert_security_events(*, conn: Conn, events: Iterable[SecurityEvent]) -> None:
    """Record messages that point at an attack or a mis-provisioned device."""
    with conn.cursor() as cur:
        cur.executemany(
            """INSERT INTO security_events (kind, topic_device_id, claimed_device_id, topic,
                   payload, detail)
               VALUES (%s, %s, %s, %s, %s, %s)""",
            [
                (
                    e.kind,
                    _text(e.topic_device_id),
                    _text(e.claimed_device_id),
                    _text(e.topic),
                    e.payload,
                    _text(e.detail),
                )
                for e in events
            ],
        )
