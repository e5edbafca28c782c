"""Travel-time providers: the coordinate default and OSRM's table service via a local stand-in."""

from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs, urlsplit

import pytest

from routing.matrix import GreatCircleProvider, OsrmError, OsrmProvider, great_circle_m

GROTE_MARKT = (50.8277, 3.2650)
HEULE = (50.8380, 3.2340)
IMOG = (50.8500, 3.3100)


class _OsrmStandIn(BaseHTTPRequestHandler):
    """Answers /table/v1 like OSRM: 1.3 x great-circle metres at 10 m/s, and records requests."""

    requests: list[dict[str, list[str]]] = []  # noqa: RUF012 - shared on purpose, read by the test

    def do_GET(self) -> None:
        url = urlsplit(self.path)
        parts = url.path.split("/")
        if parts[1:3] != ["table", "v1"]:
            self.send_error(404)
            return
        query = parse_qs(url.query)
        type(self).requests.append(query)
        points = [tuple(map(float, p.split(","))) for p in parts[4].split(";")]
        latlon = [(lat, lon) for lon, lat in points]
        sources = [int(i) for i in query["sources"][0].split(";")]
        dests = [int(i) for i in query["destinations"][0].split(";")]
        metres = [[1.3 * great_circle_m(latlon[s], latlon[d]) for d in dests] for s in sources]
        body = {
            "code": "Ok",
            "distances": metres,
            "durations": [[m / 10 for m in row] for row in metres],
        }
        payload = json.dumps(body).encode()
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(payload)))
        self.end_headers()
        self.wfile.write(payload)

    def log_message(self, *args: object) -> None:
        """Quiet: the test asserts on the recorded requests instead."""


@pytest.fixture
def osrm_url() -> Iterator[str]:
    """A local OSRM stand-in on a free port."""
    _OsrmStandIn.requests = []
    server = ThreadingHTTPServer(("127.0.0.1", 0), _OsrmStandIn)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(5)


def test_great_circle_provider_is_symmetric_and_slower_in_the_centre() -> None:
    """Road distance exceeds the straight line, and the centre's legs are slower per metre."""
    dist, dur = GreatCircleProvider().matrices([GROTE_MARKT, HEULE, IMOG])
    assert dist[0][1] == dist[1][0] > great_circle_m(GROTE_MARKT, HEULE)
    assert dist[0][0] == 0
    centre_speed = dist[0][1] / dur[0][1]
    outer_speed = dist[1][2] / dur[1][2]
    assert centre_speed < outer_speed


def test_osrm_provider_fills_the_matrix_in_blocks(osrm_url: str) -> None:
    """The OSRM provider asks the table service block by block and assembles a full matrix."""
    points = [GROTE_MARKT, HEULE, IMOG, (50.8050, 3.2930), (50.7770, 3.2270)]
    dist, dur = OsrmProvider(osrm_url, block=2).matrices(points)
    assert len(_OsrmStandIn.requests) == 9  # 3 source blocks x 3 destination blocks
    assert dist[1][2] == round(1.3 * great_circle_m(HEULE, IMOG))
    assert dur[1][2] == round(dist[1][2] / 10)
    assert all(dist[i][i] == 0 for i in range(5))


def test_osrm_provider_reports_server_errors(osrm_url: str) -> None:
    """A refused request becomes an OsrmError naming the status, not a crash deep in the solver."""
    with pytest.raises(OsrmError, match="404"):
        OsrmProvider(osrm_url, profile="../nope").matrices([GROTE_MARKT, HEULE])
