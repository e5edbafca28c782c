"""Settings of the ingest service."""

from __future__ import annotations

import socket

from pydantic import Field

from contracts.settings import ServiceSettings


class IngestSettings(ServiceSettings):
    """Ingest: how it subscribes and how it batches writes."""

    client_id: str = Field(default_factory=lambda: f"ingest-{socket.gethostname()}"[:64])
    share_group: str | None = Field(
        default=None, description="MQTT v5 shared subscription group for several workers"
    )
    session_expiry_s: int = Field(default=7 * 24 * 3600, ge=0)
    batch_size: int = Field(default=500, ge=1, le=20_000)
    batch_max_wait_s: float = Field(default=0.05, gt=0, le=5)
    queue_max: int = Field(default=20_000, ge=10)
    receive_maximum: int = Field(default=2000, ge=1, le=65535)


def get_ingest_settings() -> IngestSettings:
    """Build ingest settings from the environment (called when the service starts)."""
    return IngestSettings()
