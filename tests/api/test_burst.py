"""A burst of requests larger than the thread pool is served, not stalled until the pool times out."""

from __future__ import annotations

import asyncio

import httpx
from pydantic import SecretStr

from api.app import create_app
from api.settings import ApiSettings
from tests.helpers import RecordingSender, served


def test_a_burst_beyond_the_thread_pool_gets_answers(database_url: str, tmp_path: object) -> None:
    """150 simultaneous requests against 3 pooled connections all get a 200 within seconds."""
    settings = ApiSettings(
        database_url=SecretStr(database_url), pool_min=1, pool_max=3, evidence_dir=str(tmp_path)
    )
    app = create_app(settings, commands=RecordingSender())

    async def burst(url: str) -> list[int]:
        limits = httpx.Limits(max_connections=150)
        async with httpx.AsyncClient(base_url=url, limits=limits) as c:
            answers = await asyncio.gather(*(c.get("/health", timeout=20) for _ in range(150)))
        return [a.status_code for a in answers]

    with served(app) as url:
        statuses = asyncio.run(burst(url))
    assert statuses == [200] * 150
