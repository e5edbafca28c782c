"""A burst of requests larger than the thread pool is served, not stalled until the pool times out."""

from __future__ import annotations

import asyncio
import socket
import threading

import httpx
from pydantic import SecretStr

from api.app import create_app
from api.settings import ApiSettings
from tests.browser.conftest import RecordingSender
from tests.helpers import poll


def test_a_burst_beyond_the_thread_pool_gets_answers(database_url: str, tmp_path: object) -> None:
    """150 simultaneous requests against 3 pooled connections all get a 200 within seconds."""
    import uvicorn

    settings = ApiSettings(
        database_url=SecretStr(database_url), pool_min=1, pool_max=3, evidence_dir=str(tmp_path)
    )
    app = create_app(settings, commands=RecordingSender([]))
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    server = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    poll(lambda: server.started, timeout=20, what="uvicorn to start")

    async def burst() -> list[int]:
        limits = httpx.Limits(max_connections=150)
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", limits=limits) as c:
            answers = await asyncio.gather(*(c.get("/health", timeout=20) for _ in range(150)))
        return [a.status_code for a in answers]

    try:
        statuses = asyncio.run(burst())
    finally:
        server.should_exit = True
        thread.join(15)
    assert statuses == [200] * 150
