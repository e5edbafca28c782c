"""Dumping events as cameras report them (the review and the evidence live in
``db.enforcement`` and ``db.evidence``)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import cast

from psycopg.types.json import Jsonb

from contracts import DumpingEvent
from db.conn import Conn


def insert_dumping_event(*, conn: Conn, event: DumpingEvent) -> bool:
    """Store a camera's dumping event once; False when it was already stored."""
    cur = conn.execute(
        """INSERT INTO dumping_events (event_id, device_id, hotspot_id, seq, started_at,
               detected_at, bbox, object_area_px, person_present, vehicle_present, score, files,
               manifest_sha256, signature_b64)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
           ON CONFLICT (event_id) DO NOTHING""",
        (
            event.event_id,
            event.device_id,
            event.hotspot_id,
            event.seq,
            event.started_at,
            event.detected_at,
            list(event.bbox),
            event.object_area_px,
            event.person_present,
            event.vehicle_present,
            event.score,
            Jsonb([f.model_dump() for f in event.files]),
            event.manifest_sha256,
            event.signature_b64,
        ),
    )
    return cur.rowcount == 1


def _bbox(value: object) -> tuple[int, int, int, int]:
    box = cast(list[int], value)
    return (int(box[0]), int(box[1]), int(box[2]), int(box[3]))


@dataclass(frozen=True, slots=True)
class Announced:
    """A detection the simulated city announced, without evidence yet."""

    event_id: str
    device_id: str
    hotspot_id: str
    started_at: datetime
    detected_at: datetime
    bbox: tuple[int, int, int, int]
    object_area_px: int
    score: float
    person_present: bool
    vehicle_present: bool


def without_evidence(*, conn: Conn, limit: int) -> list[Announced]:
    """The newest camera detections that have no evidence manifest on the server yet."""
    rows = conn.execute(
        """SELECT d.event_id, d.device_id, d.hotspot_id, d.started_at, d.detected_at, d.bbox,
                  d.object_area_px, d.score, d.person_present, d.vehicle_present
           FROM dumping_events d
           WHERE NOT EXISTS (SELECT 1 FROM evidence_manifests m WHERE m.event_id = d.event_id)
           ORDER BY d.detected_at DESC LIMIT %s""",
        (limit,),
    ).fetchall()
    return [
        Announced(
            event_id=str(r[0]),
            device_id=str(r[1]),
            hotspot_id=str(r[2]),
            started_at=cast(datetime, r[3]),
            detected_at=cast(datetime, r[4]),
            bbox=_bbox(r[5]),
            object_area_px=cast(int, r[6]),
            score=cast(float, r[7]),
            person_present=cast(bool, r[8]),
            vehicle_present=cast(bool, r[9]),
        )
        for r in rows
    ]
