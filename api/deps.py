"""Dependencies routes receive: a database connection from the app's pool."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Annotated

import psycopg
from fastapi import Depends, Request
from psycopg_pool import ConnectionPool

Conn = psycopg.Connection[tuple[object, ...]]


def get_pool(request: Request) -> ConnectionPool[Conn]:
    """The pool the app factory opened."""
    pool: ConnectionPool[Conn] = request.app.state.pool
    return pool


def get_conn(pool: Annotated[ConnectionPool[Conn], Depends(get_pool)]) -> Iterator[Conn]:
    """A pooled connection for the length of one request."""
    with pool.connection() as conn:
        yield conn


DbConn = Annotated[Conn, Depends(get_conn)]
