"""The Kortrijk scenario: where bins, glass points, hotspots, the depot and disposal sites are.

District centres come from ``../shared/README.md``; the places people gather (station, Grote
Markt, shopping streets, schools, parks, Kortrijk Weide) are approximate positions near them.
Containers are scattered around those places, more where more people pass. The layout is
synthetic but plausible, and the same for the same seed. See ``docs/twin.md``.
"""

from __future__ import annotations

import math
import random
from dataclasses import dataclass


@dataclass(frozen=True, slots=True)
class District:
    """A part of the city and how many people live and pass there."""

    name: str
    lat: float
    lon: float
    radius_m: float
    weight: float  # share of the city's street bins


@dataclass(frozen=True, slots=True)
class Place:
    """A spot that draws people, and so litter: street bins cluster around it."""

    name: str
    district: str
    place_type: str
    lat: float
    lon: float
    footfall: float  # relative: how many street bins it gets


@dataclass(frozen=True, slots=True)
class Site:
    """A depot or a disposal facility."""

    site_id: str
    name: str
    kind: str  # 'depot' or 'disposal'
    lat: float
    lon: float
    unload_min: int = 0


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


@dataclass(frozen=True, slots=True)
class Hotspot:
    """A place where illegal dumping keeps happening, watched by one camera unit."""

    hotspot_id: str
    camera_id: str
    name: str
    district: str
    lat: float
    lon: float
    dumps_per_week: float


@dataclass(frozen=True, slots=True)
class City:
    """Everything the twin simulates, from one seed."""

    seed: int
    bins: tuple[BinSite, ...]
    hotspots: tuple[Hotspot, ...]
    depot: Site
    disposal: tuple[Site, ...]


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
DEPOT = Site("depot-nette-stad", "Stelplaats Nette Stad", "depot", 50.8190, 3.2880)
DISPOSAL = (
    Site("imog-harelbeke", "IMOG Harelbeke", "disposal", 50.8500, 3.3100, unload_min=15),
    Site("imog-kortrijk", "IMOG recyclagepark Kortrijk", "disposal", 50.8150, 3.2480, 12),
)
DISPOSAL_SITES = {s.name: (s.lat, s.lon) for s in DISPOSAL}  # kept for older callers

# Approximate positions of the places people gather (not surveyed).
PLACES: tuple[Place, ...] = (
    Place("Grote Markt", "Centrum", "market", 50.8277, 3.2650, 6),
    Place("Schouwburgplein", "Centrum", "market", 50.8265, 3.2672, 3),
    Place("Lange Steenstraat", "Centrum", "shopping", 50.8262, 3.2628, 4),
    Place("K in Kortrijk", "Centrum", "shopping", 50.8252, 3.2668, 3),
    Place("Leiestraat", "Centrum", "shopping", 50.8290, 3.2638, 3),
    Place("Begijnhofpark", "Centrum", "park", 50.8282, 3.2690, 2),
    Place("Broeltorens en Leieboorden", "Centrum", "park", 50.8305, 3.2655, 3),
    Place("Sint-Amandscollege", "Centrum", "school", 50.8235, 3.2700, 2),
    Place("Station Kortrijk", "Station", "station", 50.8245, 3.2645, 6),
    Place("Stationsplein busstation", "Station", "station", 50.8240, 3.2660, 3),
    Place("Overleie kerk", "Overleie", "street", 50.8330, 3.2600, 2),
    Place("Kortrijk Weide", "Kortrijk Weide", "events", 50.8300, 3.2560, 4),
    Place("Campus Kulak", "Hoog Kortrijk", "school", 50.8060, 3.2910, 3),
    Place("Howest campus", "Hoog Kortrijk", "school", 50.8070, 3.2960, 2),
    Place("AZ Groeninge", "Hoog Kortrijk", "street", 50.8035, 3.2890, 2),
    Place("Heule dorp", "Heule", "shopping", 50.8380, 3.2340, 2),
    Place("Heulebeekpark", "Heule", "park", 50.8400, 3.2300, 1),
    Place("Bissegem dorp", "Bissegem", "street", 50.8260, 3.2250, 1),
    Place("Marke dorp", "Marke", "shopping", 50.8080, 3.2350, 2),
    Place("Marke school", "Marke", "school", 50.8095, 3.2380, 1),
    Place("Aalbeke dorp", "Aalbeke", "street", 50.7770, 3.2270, 1),
    Place("Rollegem dorp", "Rollegem", "street", 50.7620, 3.2620, 1),
    Place("Bellegem dorp", "Bellegem", "street", 50.7770, 3.2770, 1),
    Place("Kooigem dorp", "Kooigem", "street", 50.7400, 3.3170, 0.5),
)

# Street-bin sizes by place: busy places get the larger model.
STREET_BIN = {"small": (60, 700), "large": (120, 900)}
UNDERGROUND = (3000, 1800)  # household waste for flats in the centre and Overleie
GLASS = (2500, 1600)  # one glass point per neighbourhood
CONTAINER_CATEGORY = {"street_bin": "fixed", "underground": "underground", "glass": "ground"}


def _offset(lat: float, lon: float, rng: random.Random, radius_m: float) -> tuple[float, float]:
    distance = radius_m * math.sqrt(rng.random())
    angle = rng.uniform(0, 2 * math.pi)
    dlat = distance * math.cos(angle) / 111_320
    dlon = distance * math.sin(angle) / (111_320 * math.cos(math.radians(lat)))
    return round(lat + dlat, 6), round(lon + dlon, 6)


def _district(name: str) -> District:
    return next(d for d in DISTRICTS if d.name == name)


def _street_bin_spot(
    rng: random.Random, n: int
) -> tuple[str, str, str, float, float, tuple[int, int]]:
    """A street bin near a gathering place (60 %) or along a district's streets (40 %)."""
    if rng.random() < 0.6:
        place = rng.choices(PLACES, [p.footfall for p in PLACES])[0]
        lat, lon = _offset(place.lat, place.lon, rng, 180)
        busy = place.place_type in {"station", "market", "shopping", "events"}
        size = STREET_BIN["large" if busy and rng.random() < 0.6 else "small"]
        return place.district, place.place_type, f"{place.name} {n}", lat, lon, size
    district = rng.choices(DISTRICTS, [d.weight for d in DISTRICTS])[0]
    lat, lon = _offset(district.lat, district.lon, rng, district.radius_m)
    kind = "residential" if rng.random() < 0.5 else "street"
    size = STREET_BIN["small" if rng.random() < 0.8 else "large"]
    return district.name, kind, f"{district.name} {kind} {n}", lat, lon, size


def _containers(
    rng: random.Random, count: int
) -> list[tuple[str, str, str, str, float, float, tuple[int, int]]]:
    """(container type, district, place type, name, lat, lon, (volume, depth)) for every container."""
    glass_per_district = max(1, round(count * 0.06 / len(DISTRICTS)))
    n_glass = glass_per_district * len(DISTRICTS)
    n_underground = max(2, round(count * 0.10))
    out: list[tuple[str, str, str, str, float, float, tuple[int, int]]] = []
    for district in DISTRICTS:
        for k in range(glass_per_district):
            lat, lon = _offset(district.lat, district.lon, rng, district.radius_m * 0.8)
            name = f"Glasbol {district.name} {k + 1}"
            out.append(("glass", district.name, "glass_point", name, lat, lon, GLASS))
    dense = [_district("Centrum"), _district("Overleie"), _district("Station")]
    for k in range(n_underground):
        district = dense[k % len(dense)]
        lat, lon = _offset(district.lat, district.lon, rng, district.radius_m)
        name = f"Ondergrondse container {district.name} {k + 1}"
        out.append(("underground", district.name, "residential", name, lat, lon, UNDERGROUND))
    for n in range(max(count - n_glass - n_underground, 0)):
        where, place_type, name, lat, lon, size = _street_bin_spot(rng, n + 1)
        out.append(("street_bin", where, place_type, name, lat, lon, size))
    rng.shuffle(out)
    return out[:count]


def _hotspots(rng: random.Random, glass: list[BinSite]) -> tuple[Hotspot, ...]:
    """Dumping hotspots: most at glass points (bags left beside them), a few at quiet corners."""
    spots = []
    chosen = sorted(glass, key=lambda b: b.bin_id)[: max(1, min(6, len(glass)))]
    for k, site in enumerate(chosen, start=1):
        lat, lon = _offset(site.lat, site.lon, rng, 15)
        spots.append(
            Hotspot(
                f"HS-{k:02d}",
                f"cam-{k:02d}",
                f"Sluikstort bij {site.name}",
                site.district,
                lat,
                lon,
                round(rng.uniform(1.0, 3.0), 2),
            )
        )
    corners = ("Overleie", "Heule", "Marke")
    for j, name in enumerate(corners, start=len(spots) + 1):
        district = _district(name)
        lat, lon = _offset(district.lat, district.lon, rng, district.radius_m)
        spots.append(
            Hotspot(
                f"HS-{j:02d}",
                f"cam-{j:02d}",
                f"Sluikstort hoek {name}",
                name,
                lat,
                lon,
                round(rng.uniform(0.5, 2.0), 2),
            )
        )
    return tuple(spots)


def build_city(*, seed: int, bins: int = 300) -> City:
    """The whole scenario for ``seed``: ``bins`` containers, hotspots, depot and disposal sites."""
    rng = random.Random(seed)
    sites = []
    for n, (ctype, district, place, name, lat, lon, (volume, depth)) in enumerate(
        _containers(rng, bins), start=1
    ):
        sites.append(
            BinSite(
                bin_id=f"KRT-{n:04d}",
                device_id=f"fill-{n:04d}",
                name=name,
                district=district,
                place_type=place,
                container_type=ctype,
                category=CONTAINER_CATEGORY[ctype],
                volume_l=volume,
                depth_mm=depth,
                lat=lat,
                lon=lon,
            )
        )
    glass = [s for s in sites if s.container_type == "glass"]
    return City(
        seed=seed,
        bins=tuple(sites),
        hotspots=_hotspots(rng, glass),
        depot=DEPOT,
        disposal=DISPOSAL,
    )


def generate_bins(count: int, *, seed: int) -> list[BinSite]:
    """``count`` containers of the scenario for ``seed`` (the bins of ``build_city``)."""
    return list(build_city(seed=seed, bins=count).bins)
