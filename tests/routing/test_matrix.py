"""Travel-time providers: the coordinate default, and OSRM's table service answered in-process
through the provider's ``transport`` (the OSRM server is the outside world)."""

from __future__ import annotations

import httpx
import pytest

from routing.matrix import GreatCircleProvider, OsrmError, OsrmProvider, great_circle_m

GROTE_MARKT = (50.8277, 3.2650)
HEULE = (50.8380, 3.2340)
IMOG = (50.8500, 3.3100)
POINTS = [GROTE_MARKT, HEULE, IMOG, (50.8050, 3.2930), (50.7770, 3.2270)]
UNROUTABLE = (51.0000, 2.0000)  # in the sea off the coast: OSRM answers null for its pairs


class OsrmTable:
    """Answers ``/table/v1/driving`` like OSRM: 1.3 x great-circle metres at 10 m/s, null for a
    point it cannot route, and records every request it was sent."""

    def __init__(self) -> None:
        self.requests: list[httpx.Request] = []

    def __call__(self, request: httpx.Request) -> httpx.Response:
        """One table request; 400 with OSRM's error body for a profile the server lacks."""
        self.requests.append(request)
        _, service, version, profile, coords = request.url.path.split("/")
        assert (service, version) == ("table", "v1")
        if profile != "driving":
            return httpx.Response(400, json={"code": "InvalidService", "message": profile})
        points = [tuple(map(float, p.split(","))) for p in coords.split(";")]
        latlon = [(lat, lon) for lon, lat in points]  # OSRM takes longitude first
        sources = [int(i) for i in request.url.params["sources"].split(";")]
        dests = [int(i) for i in request.url.params["destinations"].split(";")]

        def metres(a: int, b: int) -> float | None:
            if UNROUTABLE in (latlon[a], latlon[b]) and a != b:
                return None
            return 1.3 * great_circle_m(latlon[a], latlon[b])

        distances = [[metres(s, d) for d in dests] for s in sources]
        durations = [[None if m is None else m / 10 for m in row] for row in distances]
        return httpx.Response(
            200, json={"code": "Ok", "distances": distances, "durations": durations}
        )


def test_great_circle_provider_is_symmetric_and_slower_in_the_centre() -> None:
    """Road distance exceeds the straight line, and the centre's legs are slower per metre."""
    dist, dur = GreatCircleProvider().matrices([GROTE_MARKT, HEULE, IMOG])
    assert dist[0][1] == dist[1][0] > great_circle_m(GROTE_MARKT, HEULE)
    assert dist[0][0] == 0
    centre_speed = dist[0][1] / dur[0][1]
    outer_speed = dist[1][2] / dur[1][2]
    assert centre_speed < outer_speed


def test_osrm_provider_fills_the_matrix_in_blocks() -> None:
    """The provider asks the table service block by block, each request within the block size
    and naming only its own points, and assembles every pair of the full matrix."""
    table = OsrmTable()
    provider = OsrmProvider("http://osrm.test", block=2, transport=httpx.MockTransport(table))
    dist, dur = provider.matrices(POINTS)
    assert len(table.requests) == 9  # 3 source blocks x 3 destination blocks
    for request in table.requests:
        assert len(request.url.params["sources"].split(";")) <= 2
        assert len(request.url.params["destinations"].split(";")) <= 2
        assert len(request.url.path.split("/")[-1].split(";")) <= 4
        assert request.url.params["annotations"] == "duration,distance"
    for i, a in enumerate(POINTS):
        for j, b in enumerate(POINTS):
            assert dist[i][j] == round(1.3 * great_circle_m(a, b)), (i, j)
            assert dur[i][j] == round(1.3 * great_circle_m(a, b) / 10), (i, j)
    assert dist[1][2] != dist[1][3]  # the blocks were put back in their places


def test_osrm_provider_treats_an_unroutable_pair_as_unreachable() -> None:
    """A pair OSRM answers with null is far beyond any real leg, so the solver never uses it."""
    provider = OsrmProvider("http://osrm.test", transport=httpx.MockTransport(OsrmTable()))
    dist, dur = provider.matrices([GROTE_MARKT, UNROUTABLE, HEULE])
    assert dist[0][2] == round(1.3 * great_circle_m(GROTE_MARKT, HEULE))
    assert min(dist[0][1], dist[1][0], dist[2][1]) >= 10**8
    assert min(dur[0][1], dur[1][0], dur[2][1]) >= 10**7


def test_osrm_provider_reports_server_errors() -> None:
    """A refused request becomes an OsrmError naming the status, not a crash deep in the solver."""
    provider = OsrmProvider(
        "http://osrm.test", profile="cycling", transport=httpx.MockTransport(OsrmTable())
    )
    with pytest.raises(OsrmError, match="400"):
        provider.matrices([GROTE_MARKT, HEULE])


def test_osrm_provider_reports_a_failed_table() -> None:
    """An answer whose code is not Ok becomes an OsrmError with OSRM's code and message."""

    def no_route(request: httpx.Request) -> httpx.Response:
        return httpx.Response(200, json={"code": "NoTable", "message": "no table for these"})

    provider = OsrmProvider("http://osrm.test", transport=httpx.MockTransport(no_route))
    with pytest.raises(OsrmError, match="NoTable no table for these"):
        provider.matrices([GROTE_MARKT, HEULE])
