"""Settings of the ingest service."""

from __future__ import annotations

import hashlib
import hmac
import socket
from typing import Self

from pydantic import Field, model_validator

from config import Mode, ServiceSettings
from contracts import DEVICE_ID_PATTERN
from db.readings import WriteMethod


def secret_client_id(worker: str, secret: str) -> str:
    """A client id nobody can guess without the secret, stable for a worker across restarts (its
    persistent session must survive them), and never a valid device id (it holds ``_``), so no
    device account can claim it even where the broker does not pin client ids."""
    tag = hmac.new(secret.encode(), f"ingest-client-id:{worker}".encode(), hashlib.sha256)
    return f"ingest_{worker[:20]}_{tag.hexdigest()[:32]}"


class IngestSettings(ServiceSettings):
    """Ingest: how it subscribes, batches writes, judges device health and reports metrics."""

    client_id: str = Field(
        default="",
        max_length=64,
        description="empty: derived from the worker name and the secrets (secret_client_id)",
    )
    worker: str = Field(
        default_factory=lambda: socket.gethostname()[:20],
        pattern=r"^[A-Za-z0-9._-]{1,20}$",
        description="this worker's stable name; part of its derived client id",
    )
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

    @model_validator(mode="after")
    def _derive_client_id(self) -> Self:
        if not self.client_id:
            password = self.mqtt_password.get_secret_value() if self.mqtt_password else ""
            secret = password + "\n" + self.database_url.get_secret_value()
            self.client_id = secret_client_id(self.worker, secret)
        return self

    def insecure_settings(self) -> list[str]:
        """Production also refuses a client id a device account could take over."""
        problems = super().insecure_settings()
        if self.mode is Mode.PRODUCTION and DEVICE_ID_PATTERN.match(self.client_id):
            problems.append(
                "NETTESTAD_CLIENT_ID looks like a device id: leave it unset so a secret one is derived"
            )
        return problems


def get_ingest_settings() -> IngestSettings:
    """Build ingest settings from the environment (called when the service starts)."""
    return IngestSettings()
