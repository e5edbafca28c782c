"""SQL that puts a scenario's bins and devices into the registry tables."""

from __future__ import annotations

from collections.abc import Sequence

import psycopg

from twin.city import BinSite, Hotspot

Conn = psycopg.Connection[tuple[object, ...]]


def upsert_bins(*, conn: Conn, sites: Sequence[BinSite]) -> None:
    """Register each bin and its fill sensor, updating what changed."""
    with conn.cursor() as cur:
        cur.executemany(
            """INSERT INTO bins (id, name, district, place_type, container_type, category,
                   volume_l, depth_mm, lat, lon)
               VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s)
               ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, district = EXCLUDED.district,
                   place_type = EXCLUDED.place_type, container_type = EXCLUDED.container_type,
                   category = EXCLUDED.category, volume_l = EXCLUDED.volume_l,
                   depth_mm = EXCLUDED.depth_mm, lat = EXCLUDED.lat, lon = EXCLUDED.lon""",
            [
                (
                    s.bin_id,
                    s.name,
                    s.district,
                    s.place_type,
                    s.container_type,
                    s.category,
                    s.volume_l,
                    s.depth_mm,
                    s.lat,
                    s.lon,
                )
                for s in sites
            ],
        )
        cur.executemany(
            """INSERT INTO devices (id, kind, bin_id) VALUES (%s, 'fill_sensor', %s)
               ON CONFLICT (id) DO UPDATE SET bin_id = EXCLUDED.bin_id, revoked_at = NULL""",
            [(s.device_id, s.bin_id) for s in sites],
        )


def upsert_hotspots(*, conn: Conn, hotspots: Sequence[Hotspot]) -> None:
    """Register each dumping hotspot and the camera unit watching it."""
    with conn.cursor() as cur:
        cur.executemany(
            """INSERT INTO hotspots (id, name, district, lat, lon) VALUES (%s, %s, %s, %s, %s)
               ON CONFLICT (id) DO UPDATE SET name = EXCLUDED.name, district = EXCLUDED.district,
                   lat = EXCLUDED.lat, lon = EXCLUDED.lon""",
            [(h.hotspot_id, h.name, h.district, h.lat, h.lon) for h in hotspots],
        )
        cur.executemany(
            """INSERT INTO devices (id, kind, hotspot_id) VALUES (%s, 'camera', %s)
               ON CONFLICT (id) DO UPDATE SET hotspot_id = EXCLUDED.hotspot_id,
                   revoked_at = NULL""",
            [(h.camera_id, h.hotspot_id) for h in hotspots],
        )
