"""One HTTP server per long-running service: Prometheus' ``/metrics`` beside the service's routes.

``/metrics`` is ``prometheus_client``'s own WSGI app over the service's registry (text format
0.0.4, or OpenMetrics when the scraper asks for it); every other route is a plain function from a
:class:`Request` to a :class:`Reply`. The server runs in a daemon thread, a thread per request,
and keeps no access log (Prometheus scrapes every few seconds).
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from socketserver import ThreadingMixIn
from typing import TYPE_CHECKING
from urllib.parse import parse_qs
from wsgiref.simple_server import WSGIRequestHandler, WSGIServer, make_server

from prometheus_client import CollectorRegistry, make_wsgi_app

if TYPE_CHECKING:
    from _typeshed.wsgi import StartResponse, WSGIEnvironment

_REASONS = {
    200: "OK",
    202: "Accepted",
    400: "Bad Request",
    401: "Unauthorized",
    404: "Not Found",
    405: "Method Not Allowed",
    503: "Service Unavailable",
}


@dataclass(frozen=True, slots=True)
class Request:
    """What a route sees of a request."""

    method: str
    path: str
    query: Mapping[str, list[str]]
    authorization: str


@dataclass(frozen=True, slots=True)
class Reply:
    """A route's answer."""

    status: int
    body: str
    content_type: str = "text/plain; charset=utf-8"


Handler = Callable[[Request], Reply]


class _Server(ThreadingMixIn, WSGIServer):
    daemon_threads = True


class _Quiet(WSGIRequestHandler):
    def log_message(self, *_: object) -> None:
        return


class ServiceHttp:
    """Serves ``GET /metrics`` from ``registry`` and ``routes`` (``(method, path)`` → handler)."""

    def __init__(
        self,
        *,
        host: str,
        port: int,
        registry: CollectorRegistry,
        routes: Mapping[tuple[str, str], Handler],
        name: str,
    ) -> None:
        self._metrics = make_wsgi_app(registry)
        self._routes = dict(routes)
        self._server = make_server(
            host, port, self._app, server_class=_Server, handler_class=_Quiet
        )
        self.port = int(self._server.server_port)
        self._thread = threading.Thread(target=self._server.serve_forever, name=name, daemon=True)
        self._thread.start()

    def _app(self, environ: WSGIEnvironment, start_response: StartResponse) -> Iterable[bytes]:
        method = str(environ.get("REQUEST_METHOD", "GET"))
        path = str(environ.get("PATH_INFO", "/"))
        if path == "/metrics" and method in ("GET", "HEAD"):
            page: Iterable[bytes] = self._metrics(environ, start_response)
            return page
        handler = self._routes.get((method, path))
        if handler is None:
            known = path == "/metrics" or any(p == path for _, p in self._routes)
            reply = Reply(405, "method not allowed\n") if known else Reply(404, "not found\n")
        else:
            request = Request(
                method=method,
                path=path,
                query=parse_qs(str(environ.get("QUERY_STRING", ""))),
                authorization=str(environ.get("HTTP_AUTHORIZATION", "")),
            )
            reply = handler(request)
        body = reply.body.encode()
        status = f"{reply.status} {_REASONS.get(reply.status, 'Status')}"
        start_response(
            status, [("Content-Type", reply.content_type), ("Content-Length", str(len(body)))]
        )
        return [body]

    def close(self) -> None:
        """Stop serving and release the port."""
        self._server.shutdown()
        self._server.server_close()
        self._thread.join(5)
