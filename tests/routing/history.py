"""Test data: a registered city with simulated fill history written straight to the database."""

from __future__ import annotations

import random
from datetime import datetime, timedelta
from typing import Any

from routing.fillsim import history, make_bin
from twin.city import generate_bins
from twin.registry import upsert_bins


def seed_city(conn: Any, *, bins: int, days: int, until: datetime, seed: int = 3) -> list[str]:
    """Register ``bins`` bins and store ``days`` of hourly readings before ``until``."""
    sites = generate_bins(bins, seed=seed)
    upsert_bins(conn=conn, sites=sites)
    rng = random.Random(seed)
    rows = []
    for site in sites:
        sim = make_bin(random.Random(rng.random()))
        for seq, (ts, level) in enumerate(
            history(sim, start=until - timedelta(days=days), until=until), start=1
        ):
            rows.append((site.device_id, site.bin_id, ts, seq, level))
    with conn.cursor() as cur:
        cur.executemany(
            """INSERT INTO fill_readings (device_id, bin_id, ts, seq, filling_level, quality, status)
               VALUES (%s, %s, %s, %s, %s, 'ok', 'ok')""",
            rows,
        )
    return [s.bin_id for s in sites]
