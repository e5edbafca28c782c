"""The Kortrijk scenario: where containers, hotspots, the depot and disposal sites are."""

from __future__ import annotations

from collections import Counter

from twin.city import DISTRICTS, build_city, generate_bins


def test_the_scenario_covers_the_centre_and_every_deelgemeente_with_every_container_kind() -> None:
    """Every district has containers and a glass point; street bins, underground and glass all occur."""
    city = build_city(seed=7, bins=300)
    assert len(city.bins) == 300
    districts = {b.district for b in city.bins}
    assert districts == {d.name for d in DISTRICTS}
    glass = {b.district for b in city.bins if b.container_type == "glass"}
    assert glass == districts
    kinds = Counter(b.container_type for b in city.bins)
    assert kinds["street_bin"] > kinds["underground"] > 0
    assert {b.place_type for b in city.bins} >= {"station", "market", "school", "park", "events"}
    assert len({b.bin_id for b in city.bins}) == len({b.device_id for b in city.bins}) == 300


def test_more_containers_stand_where_more_people_are() -> None:
    """The centre and the station get far more containers per district than Kooigem."""
    per_district = Counter(b.district for b in build_city(seed=7, bins=300).bins)
    assert per_district["Centrum"] + per_district["Station"] > 5 * per_district["Kooigem"]


def test_the_scenario_has_a_depot_imog_harelbeke_and_hotspots_watched_by_cameras() -> None:
    """The depot, IMOG's Harelbeke site and camera-watched hotspots are part of the city."""
    city = build_city(seed=7, bins=300)
    assert city.depot.kind == "depot"
    assert "IMOG Harelbeke" in {s.name for s in city.disposal}
    assert len(city.hotspots) >= 5
    assert all(h.camera_id.startswith("cam-") for h in city.hotspots)
    assert len({h.camera_id for h in city.hotspots}) == len(city.hotspots)


def test_the_same_seed_builds_the_same_city_and_another_seed_another() -> None:
    """A seed fixes the layout exactly; a different seed moves things."""
    assert build_city(seed=11, bins=120) == build_city(seed=11, bins=120)
    assert build_city(seed=11, bins=120) != build_city(seed=12, bins=120)
    assert generate_bins(40, seed=3) == list(build_city(seed=3, bins=40).bins)
