"""Where Kortrijk's bins stand: a seeded, plausible layout over the centre and eight deelgemeenten.

District centres are approximate (see ``../shared/README.md``); bins are scattered around them with
more bins where more people pass. Synthetic, not a survey.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class District:
    """A part of the city and how busy its streets are."""

    name: str
    lat: float
    lon: float
    radius_m: float
    weight: float  # share of the city's bins


# Centres from the project's shared data; weights follow population and footfall.
DISTRICTS: tuple[District, ...] = (
    District("Centrum", 50.8277, 3.2650, 700, 0.26),
    District("Station", 50.8245, 3.2645, 350, 0.07),
    District("Overleie", 50.8330, 3.2600, 500, 0.07),
    District("Kortrijk Weide", 50.8300, 3.2560, 300, 0.04),
    District("Hoog Kortrijk", 50.8050, 3.2930, 700, 0.08),
    District("Heule", 50.8380, 3.2340, 800, 0.11),
    District("Bissegem", 50.8260, 3.2250, 600, 0.06),
    District("Marke", 50.8080, 3.2350, 700, 0.09),
    District("Aalbeke", 50.7770, 3.2270, 600, 0.05),
    District("Rollegem", 50.7620, 3.2620, 500, 0.04),
    District("Bellegem", 50.7770, 3.2770, 600, 0.05),
    District("Kooigem", 50.7400, 3.3170, 400, 0.02),
)
DEPOT = (50.8190, 3.2880)  # Nette Stad's yard, south-east of the ring (assumed)
DISPOSAL_SITES = {"IMOG Harelbeke": (50.8500, 3.3100)}

PLACE_TYPES = ("street", "station", "market", "school", "park", "shopping")
# (container type, volume in litres, depth in mm, FIWARE category, relative frequency)
CONTAINERS = (
    ("street_bin", 60, 700, "fixed", 0.55),
    ("street_bin", 120, 900, "fixed", 0.25),
    ("underground", 3000, 1800, "underground", 0.12),
    ("glass", 2500, 1600, "ground", 0.08),
)


@dataclass(frozen=True, slots=True)
class BinSite:
    """One container and the sensor on it."""

    bin_id: str
    device_id: str
    name: str
    district: str
    place_type: str
    container_type: str
    category: str
    volume_l: int
    depth_mm: int
    lat: float
    lon: float


def _offset(lat: float, lon: float, rng: random.Random, radius_m: float) -> tuple[float, float]:
    distance = radius_m * math.sqrt(rng.random())
    angle = rng.uniform(0, 2 * math.pi)
    dlat = distance * math.cos(angle) / 111_320
    dlon = distance * math.sin(angle) / (111_320 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


def _place_type(district: District, rng: random.Random) -> str:
    if district.name == "Station":
        return rng.choice(("station", "station", "street", "shopping"))
    if district.name == "Centrum":
        return rng.choice(("shopping", "market", "street", "street", "park"))
    if district.name == "Kortrijk Weide":
        return rng.choice(("park", "park", "street"))
    if district.name == "Hoog Kortrijk":
        return rng.choice(("school", "street", "park"))
    return rng.choice(("street", "street", "street", "school", "park"))


def generate_bins(count: int, *, seed: int) -> list[BinSite]:
    """``count`` bins spread over the districts by weight, the same for the same seed."""
    rng = random.Random(seed)
    weights = [d.weight for d in DISTRICTS]
    kinds = [c[4] for c in CONTAINERS]
    sites = []
    for n in range(1, count + 1):
        district = rng.choices(DISTRICTS, weights)[0]
        container_type, volume, depth, category, _ = rng.choices(CONTAINERS, kinds)[0]
        lat, lon = _offset(district.lat, district.lon, rng, district.radius_m)
        place = _place_type(district, rng)
        sites.append(
            BinSite(
                bin_id=f"KRT-{n:04d}",
                device_id=f"fill-{n:04d}",
                name=f"{district.name} {place} {n}",
                district=district.name,
                place_type=place,
                container_type=container_type,
                category=category,
                volume_l=volume,
                depth_mm=depth,
                lat=lat,
                lon=lon,
            )
        )
    return sites
