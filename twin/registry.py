"""Put a scenario's bins and devices into the registry tables (through ``db.bins``/``db.sites``)."""

from __future__ import annotations

from collections.abc import Sequence

from db import Conn
from db import bins as bin_store
from db import sites as site_store
from twin.city import BinSite, Hotspot


def upsert_bins(*, conn: Conn, sites: Sequence[BinSite]) -> None:
    """Register each bin and its fill sensor, updating what changed."""
    bin_store.upsert_placed(
        conn=conn,
        bins=[
            bin_store.PlacedBin(
                id=s.bin_id,
                name=s.name,
                district=s.district,
                place_type=s.place_type,
                container_type=s.container_type,
                category=s.category,
                volume_l=s.volume_l,
                depth_mm=s.depth_mm,
                lat=s.lat,
                lon=s.lon,
                device_id=s.device_id,
            )
            for s in sites
        ],
    )


def upsert_hotspots(*, conn: Conn, hotspots: Sequence[Hotspot]) -> None:
    """Register each dumping hotspot and the camera unit watching it."""
    site_store.upsert_watched(
        conn=conn,
        hotspots=[
            site_store.WatchedHotspot(
                id=h.hotspot_id,
                name=h.name,
                district=h.district,
                lat=h.lat,
                lon=h.lon,
                camera_id=h.camera_id,
            )
            for h in hotspots
        ],
    )
