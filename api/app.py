"""The FastAPI application factory."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager
from datetime import timedelta
from importlib import resources
from pathlib import Path
from urllib.parse import urlsplit

import psycopg
from fastapi import FastAPI, Request, Response
from fastapi.responses import FileResponse, JSONResponse
from fastapi.staticfiles import StaticFiles
from psycopg_pool import ConnectionPool, PoolTimeout

from api import errors
from api.device_commands import CommandSender, MqttCommandSender
from api.evidence_access import DirectoryEvidence, EvidenceFiles
from api.retention import RetentionWorker
from api.routes import admin as admin_routes
from api.routes import advice as advice_routes
from api.routes import alerts, auth, bins, coordinator, crew, enforcement, health, plans, trends
from api.routes import dumps as dump_routes
from api.routes import evidence as evidence_uploads
from api.routes import registry as registry_routes
from api.routes import servicedays as servicedays_routes
from api.settings import ApiSettings, get_api_settings

PAGES = (
    "login",
    "crew",
    "coordinator",
    "enforcement",
    "registry",
    "admin",
    "dumps",
    "advice",
    "servicedays",
)
# Front-end libraries installed by npm from api/web/package-lock.json, served under /vendor.
VENDOR = {
    "leaflet": "leaflet/dist",
    "chart": "chart.js/dist",
    "markercluster": "leaflet.markercluster/dist",
}
WEB = Path(__file__).resolve().parent / "web" / "node_modules"


def _csp(settings: ApiSettings) -> str:
    tiles = settings.map_tiles_url.split("/{", 1)[0] if settings.map_tiles_url else ""
    return (
        "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; "
        f"img-src 'self' data: blob: {tiles}".rstrip()
        + "; connect-src 'self'; worker-src 'self'; frame-ancestors 'none'; base-uri 'self'"
    )


_UNSAFE_METHODS = frozenset({"POST", "PUT", "PATCH", "DELETE"})
_DEFAULT_PORTS = {"http": 80, "https": 443}


def _netloc(origin: str) -> str | None:
    """``host[:port]`` of an origin, the port left out when it is the scheme's default."""
    try:
        parts = urlsplit(origin)
        port = parts.port
    except ValueError:
        return None
    if not parts.hostname:
        return None
    host = parts.hostname if ":" not in parts.hostname else f"[{parts.hostname}]"
    if port is None or port == _DEFAULT_PORTS.get(parts.scheme):
        return host
    return f"{host}:{port}"


def cross_site(request: Request, allowed: frozenset[str]) -> bool:
    """Whether a browser sent this request from another site (a forged form or script).

    ``Sec-Fetch-Site`` decides when the browser sends it; otherwise ``Origin`` must name this
    host (or an allowed origin). Requests with neither (scripts, devices, the city twin, which
    authenticate with a bearer token) are not a browser's cross-site request.
    """
    site = request.headers.get("sec-fetch-site")
    if site is not None:
        return site not in {"same-origin", "none"}
    origin = request.headers.get("origin")
    if origin is None:
        return False
    netloc = _netloc(origin)
    if netloc is None:
        return True  # "null" (a sandboxed frame, a file) or garbage
    host = request.headers.get("host", "")
    return netloc != _netloc(f"{request.url.scheme}://{host}") and netloc not in allowed


def create_app(
    settings: ApiSettings | None = None,
    *,
    evidence_files: EvidenceFiles | None = None,
    commands: CommandSender | None = None,
) -> FastAPI:
    """Build the app; the database pool opens when the app starts and closes when it stops."""
    settings = settings or get_api_settings()
    files = evidence_files or DirectoryEvidence(
        Path(settings.evidence_dir),
        key_root=Path(settings.evidence_key_dir) if settings.evidence_key_dir else None,
    )

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = ConnectionPool(
            settings.database_url.get_secret_value(),
            min_size=settings.pool_min,
            max_size=settings.pool_max,
            open=False,
            # a connection is checked before a request gets it: after a database restart the
            # dead ones are replaced instead of failing requests with 500s
            check=ConnectionPool.check_connection,
        )
        pool.open(wait=True, timeout=15)
        app.state.pool = pool
        # one connection stays free for the retention worker; requests share the rest
        app.state.connection_slots = asyncio.Semaphore(max(settings.pool_max - 1, 1))
        retention = RetentionWorker(
            pool,
            files,
            retention_days=settings.evidence_retention_days,
            interval=timedelta(seconds=settings.retention_interval_s),
            commands=app.state.commands,
        )
        retention.start()
        try:
            yield
        finally:
            retention.stop()
            pool.close()

    app = FastAPI(
        title="nettestad",
        version="0.1.0",
        lifespan=lifespan,
        description="Route sheets for crews, figures for coordinators, a review queue for "
        "enforcement. Log in at /api/v1/auth/login; send the token as a bearer header or "
        "use the session cookie.",
    )
    app.state.settings = settings
    app.state.evidence_files = files
    app.state.commands = commands or MqttCommandSender(settings)
    for router in (
        health.router,
        auth.router,
        bins.router,
        crew.router,
        coordinator.router,
        enforcement.router,
        enforcement.audit_router,
        alerts.router,
        trends.router,
        plans.router,
        evidence_uploads.router,
        registry_routes.router,
        admin_routes.router,
        dump_routes.router,
        advice_routes.router,
        servicedays_routes.router,
    ):
        app.include_router(router)

    errors.install(app)
    csp = _csp(settings)

    @app.exception_handler(PoolTimeout)
    async def overloaded(_request: Request, _exc: PoolTimeout) -> JSONResponse:
        # Every database connection stayed busy: a clear "try again", not a crash.
        return JSONResponse(
            errors.body_for(503, "the service is busy; try again shortly"),
            status_code=503,
            headers={"Retry-After": "5"},
        )

    @app.exception_handler(psycopg.DataError)
    async def refused_value(_request: Request, _exc: psycopg.DataError) -> JSONResponse:
        # a value the database cannot take (a NUL in text, a number out of range): the caller's
        # input, so a 400 saying so rather than a 500
        return JSONResponse(
            {"detail": "ongeldige waarde in het verzoek (invalid value in the request)"},
            status_code=400,
        )

    allowed_origins = frozenset(
        n for n in (_netloc(o.strip()) for o in settings.allowed_origins.split(",")) if n
    )

    @app.middleware("http")
    async def refuse_cross_site_and_nul(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        if "%00" in request.url.query or "\x00" in request.url.path or "%00" in request.url.path:
            return JSONResponse(
                {"detail": "ongeldig teken (NUL) in het adres (NUL character in the URL)"},
                status_code=400,
            )
        if request.method in _UNSAFE_METHODS and cross_site(request, allowed_origins):
            return JSONResponse(
                {"detail": "verzoek van een andere website geweigerd (cross-site request refused)"},
                status_code=403,
            )
        return await call_next(request)

    @app.middleware("http")
    async def security_headers(
        request: Request, call_next: Callable[[Request], Awaitable[Response]]
    ) -> Response:
        response = await call_next(request)
        response.headers.setdefault("Content-Security-Policy", csp)
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        return response

    static = resources.files("api") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")
    for prefix, folder in VENDOR.items():
        if (WEB / folder).is_dir():
            app.mount(f"/vendor/{prefix}", StaticFiles(directory=WEB / folder), name=prefix)

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(str(static / "index.html"))

    def page(name: str) -> Callable[[], FileResponse]:
        def serve() -> FileResponse:
            return FileResponse(str(static / f"{name}.html"), headers={"Cache-Control": "no-cache"})

        return serve

    for name in PAGES:
        app.add_api_route(f"/{name}", page(name), include_in_schema=False, methods=["GET"])

    @app.get("/sw.js", include_in_schema=False)
    def service_worker() -> FileResponse:
        # Served from the root so it may control /crew; never cached, so updates arrive.
        return FileResponse(
            str(static / "sw.js"),
            media_type="text/javascript",
            headers={"Cache-Control": "no-cache", "Service-Worker-Allowed": "/"},
        )

    @app.get("/config.json", include_in_schema=False)
    def web_config() -> JSONResponse:
        return JSONResponse(
            {"map_tiles_url": settings.map_tiles_url, "map_attribution": settings.map_attribution}
        )

    return app
