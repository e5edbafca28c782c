"""Settings of the ingest service."""

from __future__ import annotations

import socket

from pydantic import Field

from contracts.settings import ServiceSettings
from ingest.store import WriteMethod


class IngestSettings(ServiceSettings):
    """Ingest: how it subscribes, batches writes, judges device health and reports metrics."""

    client_id: str = Field(default_factory=lambda: f"ingest-{socket.gethostname()}"[:64])
    share_group: str | None = Field(
        default=None, description="MQTT v5 shared subscription group for several workers"
    )
    session_expiry_s: int = Field(default=7 * 24 * 3600, ge=0)
    batch_size: int = Field(default=1000, ge=1, le=20_000)
    batch_max_wait_s: float = Field(default=0.05, gt=0, le=5)
    queue_max: int = Field(default=20_000, ge=10)
    writers: int = Field(
        default=2, ge=1, le=16, description="writer threads, each with its own connection"
    )
    receive_maximum: int = Field(default=2000, ge=1, le=65535)
    write_method: WriteMethod = Field(
        default=WriteMethod.COPY, description="measured fastest; see bench/RESULTS.md"
    )
    metrics_host: str = "127.0.0.1"
    metrics_port: int = Field(
        default=9464, ge=0, le=65535, description="Prometheus /metrics; 0 picks a free port"
    )
    metrics_enabled: bool = True
    offline_check_s: float = Field(default=60.0, gt=0)
    offline_interval_s: int = Field(
        default=3600, ge=1, description="expected reporting interval when a device has none"
    )
    offline_factor: float = Field(default=3.0, ge=1.0)
    fire_temperature_c: float = Field(default=70.0, gt=0)
    lorawan_topic_prefix: str | None = Field(
        default=None,
        pattern=r"^[^+#]*$",
        description="where LoRaWAN network servers publish (docs/lorawan.md); default {root}/lns/",
    )


def get_ingest_settings() -> IngestSettings:
    """Build ingest settings from the environment (called when the service starts)."""
    return IngestSettings()
