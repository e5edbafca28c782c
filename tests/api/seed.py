"""A small named city for API and browser tests: bins, a hotspot with a signing camera, a plan."""

from __future__ import annotations

import base64
import hashlib
import json
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
from psycopg.types.json import Jsonb

from api.route_sheet import today_in_brussels
from contracts import evidence as ev
from contracts.payloads import EvidenceFile
from tests.helpers import Conn

BINS = [
    ("kor-001", "Grote Markt 1", "Centrum", "street_bin", 50.8280, 3.2650),
    ("kor-002", "Station Kortrijk", "Centrum", "street_bin", 50.8245, 3.2640),
    ("kor-003", "Budabrug", "Centrum", "underground", 50.8300, 3.2680),
    ("hel-001", "Heule Dorp", "Heule", "glass", 50.8400, 3.2400),
]
# A tiny valid JPEG would do; a PNG is just as good for a browser to show and to hash.
PIXEL_PNG = base64.b64decode(
    "iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mP8z8BQDwAEhQGAhKmMIQAAAABJRU5ErkJggg=="
)


def scene_jpeg(seed: int) -> bytes:
    """A 320x240 street scene as a camera would send it: a bin, a dumped bag, the rest blurred."""
    import cv2
    import numpy as np

    rng = np.random.default_rng(seed)
    image = np.full((240, 320, 3), (170, 180, 175), np.uint8)
    image[150:, :] = (95, 100, 100)  # pavement
    cv2.rectangle(image, (40, 70), (120, 190), (40, 110, 40), -1)  # the glass bank
    cv2.ellipse(image, (200 + seed % 40, 185), (35, 22), 0, 0, 360, (30, 30, 30), -1)  # the bag
    noise = rng.integers(0, 12, image.shape, dtype=np.uint8)
    blurred = cv2.GaussianBlur(cv2.add(image, noise), (5, 5), 0)
    ok, encoded = cv2.imencode(".jpg", blurred, [cv2.IMWRITE_JPEG_QUALITY, 85])
    assert ok
    return bytes(encoded)


def seed_city(conn: Conn) -> None:
    """Bins with a reading each, and a hotspot."""
    now = datetime.now(UTC)
    for i, (bin_id, name, district, ctype, lat, lon) in enumerate(BINS):
        conn.execute(
            """INSERT INTO bins (id, name, district, container_type, volume_l, depth_mm, lat, lon)
               VALUES (%s, %s, %s, %s, %s, 1000, %s, %s)""",
            (bin_id, name, district, ctype, 3000 if ctype != "street_bin" else 120, lat, lon),
        )
        conn.execute(
            "INSERT INTO devices (id, kind, bin_id) VALUES (%s, 'fill_sensor', %s)",
            (f"fs-{bin_id}", bin_id),
        )
        conn.execute(
            """INSERT INTO fill_readings (device_id, bin_id, ts, seq, filling_level, quality, status)
               VALUES (%s, %s, %s, 1, %s, 'ok', 'ok')""",
            (f"fs-{bin_id}", bin_id, now - timedelta(minutes=10), 0.3 + 0.2 * i),
        )
    conn.execute(
        """INSERT INTO hotspots (id, name, district, lat, lon)
           VALUES ('hs-glas-heule', 'Glasbollen Heule', 'Heule', 50.8405, 3.2395)"""
    )


def seed_plan(conn: Conn, *, vehicle_id: str = "veh-1") -> date:
    """Today's active plan: the vehicle calls at three bins. Returns the plan's day."""
    day = today_in_brussels()
    start = datetime.now(UTC).replace(microsecond=0)
    plan_id = conn.execute(
        """INSERT INTO plans (day, objective, distance_m, solve_s) VALUES (%s, 1, 12000, 0.5)
           RETURNING id""",
        (day,),
    ).fetchone()[0]  # type: ignore[index]  # RETURNING always yields a row
    conn.execute(
        """INSERT INTO plan_routes (plan_id, vehicle_id, start_at, end_at, distance_m)
           VALUES (%s, %s, %s, %s, 12000)""",
        (plan_id, vehicle_id, start, start + timedelta(hours=6)),
    )
    for seq, (bin_id, name, _d, _t, lat, lon) in enumerate(BINS[:3], start=1):
        at = start + timedelta(minutes=20 * seq)
        conn.execute(
            """INSERT INTO plan_stops (plan_id, vehicle_id, seq, kind, ref, name, lat, lon,
                                       arrival_at, start_at, end_at, load_l, load_kg,
                                       predicted_fill)
               VALUES (%s, %s, %s, 'bin', %s, %s, %s, %s, %s, %s, %s, 100, 12, %s)""",
            (plan_id, vehicle_id, seq, bin_id, name, lat, lon, at, at, at, 0.8),
        )
    return day


def seed_detection(
    conn: Conn,
    evidence_dir: Path,
    *,
    event_id: str,
    device_id: str = "cam-heule-1",
    minutes_ago: int = 30,
) -> dict[str, Any]:
    """A camera (registered public key) and one signed detection with blurred frames on disk."""
    # Derived from the device id: a camera keeps one key over all its detections, and runs repeat.
    key = Ed25519PrivateKey.from_private_bytes(hashlib.sha256(device_id.encode()).digest())
    conn.execute(
        """INSERT INTO devices (id, kind, hotspot_id) VALUES (%s, 'camera', 'hs-glas-heule')
           ON CONFLICT (id) DO NOTHING""",
        (device_id,),
    )
    key_row = (
        conn.execute(
            "SELECT id FROM device_keys WHERE device_id = %s AND revoked_at IS NULL", (device_id,)
        ).fetchone()
        or conn.execute(
            "INSERT INTO device_keys (device_id, public_key) VALUES (%s, %s) RETURNING id",
            (device_id, ev.public_key_bytes(key)),
        ).fetchone()
    )
    assert key_row is not None
    detected = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=minutes_ago)
    frames = {
        "before.jpg": ("frame_before", scene_jpeg(1)),
        "during.jpg": ("frame_during", scene_jpeg(2)),
        # the camera unit records its clip as MJPEG in an AVI container
        "clip.avi": ("clip", b"RIFF\x10\x00\x00\x00AVI LIST" + scene_jpeg(3)),
    }
    files = [
        {"name": n, "kind": k, "sha256": ev.sha256_hex(d), "size_bytes": len(d)}
        for n, (k, d) in frames.items()
    ]
    manifest = ev.EvidenceManifest(
        device_id=device_id,
        event_id=event_id,
        hotspot_id="hs-glas-heule",
        started_at=detected - timedelta(seconds=40),
        detected_at=detected,
        created_at=detected,
        files=[EvidenceFile.model_validate(f) for f in files],
    )
    raw = ev.manifest_bytes(manifest)
    folder = evidence_dir / event_id
    folder.mkdir(parents=True, exist_ok=True)
    for name, (_kind, data) in frames.items():
        (folder / name).write_bytes(data)
    (folder / "manifest.json").write_bytes(raw)
    listed = [
        *files,
        {
            "name": "manifest.json",
            "kind": "manifest",
            "sha256": ev.sha256_hex(raw),
            "size_bytes": len(raw),
        },
    ]
    conn.execute(
        """INSERT INTO dumping_events (event_id, device_id, hotspot_id, seq, started_at,
                                       detected_at, bbox, object_area_px, person_present,
                                       vehicle_present, score, files, manifest_sha256,
                                       signature_b64)
           VALUES (%s, %s, 'hs-glas-heule', 1, %s, %s, '{10,20,30,40}', 1200, true, true, 0.91,
                   %s, %s, %s)""",
        (
            event_id,
            device_id,
            detected - timedelta(seconds=40),
            detected,
            Jsonb(listed),
            ev.sha256_hex(raw),
            ev.sign(key, raw),
        ),
    )
    # What the upload endpoint records when the camera sends its signed manifest and files.
    conn.execute(
        """INSERT INTO evidence_manifests (event_id, device_id, key_id, manifest, manifest_sha256,
                                           signature_b64, started_at, detected_at)
           VALUES (%s, %s, %s, %s, %s, %s, %s, %s)""",
        (
            event_id,
            device_id,
            key_row[0],
            raw,
            ev.sha256_hex(raw),
            ev.sign(key, raw),
            detected - timedelta(seconds=40),
            detected,
        ),
    )
    for f in files:
        conn.execute(
            """INSERT INTO evidence_files (event_id, name, kind, withheld, sha256, size_bytes,
                                           state, path, verified_at)
               VALUES (%s, %s, %s, false, %s, %s, 'verified', %s, now())""",
            (
                event_id,
                f["name"],
                f["kind"],
                f["sha256"],
                f["size_bytes"],
                f"{event_id}/{f['name']}",
            ),
        )
    return {"event_id": event_id, "manifest": json.loads(raw)}
