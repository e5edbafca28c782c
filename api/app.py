"""The FastAPI application factory."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from importlib import resources

from fastapi import FastAPI
from fastapi.responses import FileResponse
from fastapi.staticfiles import StaticFiles
from psycopg_pool import ConnectionPool

from api.routes import alerts, auth, bins, health, trends
from api.settings import ApiSettings, get_api_settings


def create_app(settings: ApiSettings | None = None) -> FastAPI:
    """Build the app; the database pool opens when the app starts and closes when it stops."""
    settings = settings or get_api_settings()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        pool = ConnectionPool(
            settings.database_url.get_secret_value(),
            min_size=settings.pool_min,
            max_size=settings.pool_max,
            open=False,
        )
        pool.open(wait=True, timeout=15)
        app.state.pool = pool
        try:
            yield
        finally:
            pool.close()

    app = FastAPI(title="nettestad", version="0.1.0", lifespan=lifespan)
    app.state.settings = settings
    app.include_router(health.router)
    app.include_router(auth.router)
    app.include_router(bins.router)
    app.include_router(alerts.router)
    app.include_router(trends.router)
    static = resources.files("api") / "static"
    app.mount("/static", StaticFiles(directory=str(static)), name="static")

    @app.get("/", include_in_schema=False)
    def index() -> FileResponse:
        return FileResponse(str(static / "index.html"))

    return app
