"""Dependencies routes receive: a pooled database connection, the evidence files, device commands."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterator
from typing import Annotated

from fastapi import Depends, Request
from psycopg_pool import ConnectionPool

from api.device_commands import CommandSender
from api.evidence_access import EvidenceFiles
from db import Conn


async def get_pool(request: Request) -> ConnectionPool[Conn]:
    """The pool the app factory opened."""
    pool: ConnectionPool[Conn] = request.app.state.pool
    return pool


async def connection_slot(request: Request) -> AsyncIterator[None]:
    """Wait, on the event loop, until a pooled connection is free for this request.

    Without this, requests in a burst would wait for a connection inside worker threads; with
    more waiters than the thread pool has threads, the requests that hold connections could get
    no thread to finish on, and everything would stall until the pool's timeout.
    """
    slots: asyncio.Semaphore = request.app.state.connection_slots
    async with slots:
        yield


def get_conn(
    pool: Annotated[ConnectionPool[Conn], Depends(get_pool)],
    _slot: Annotated[None, Depends(connection_slot, scope="function")],
) -> Iterator[Conn]:
    """A pooled connection for the length of one request."""
    with pool.connection() as conn:
        yield conn


# "function" scope: the transaction commits when the route returns, before the answer leaves, so
# nobody sees an answer (or evidence) whose audit entry could still be lost.
DbConn = Annotated[Conn, Depends(get_conn, scope="function")]


async def get_evidence_files(request: Request) -> EvidenceFiles:
    """Where evidence files are read from (set by the app factory)."""
    files: EvidenceFiles = request.app.state.evidence_files
    return files


async def get_command_sender(request: Request) -> CommandSender:
    """How commands reach devices (set by the app factory)."""
    sender: CommandSender = request.app.state.commands
    return sender


Evidence = Annotated[EvidenceFiles, Depends(get_evidence_files)]
Commands = Annotated[CommandSender, Depends(get_command_sender)]
