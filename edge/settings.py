"""Settings of the camera unit: where it keeps data, whom it talks to, how much it may store."""

from __future__ import annotations

import socket
from pathlib import Path
from urllib.parse import urlsplit

from pydantic import Field, SecretStr

from config import DEV_SECRET, ServiceSettings
from edge.keys import MIN_SECRET_BYTES, DeviceSecret, KeyUnlockError

MAX_RAW_RETENTION_DAYS = 30  # Belgian camera law: at most one month unless it is evidence


class EdgeSettings(ServiceSettings):
    """Camera unit: data directory, API address, spool bounds and retention."""

    camera_config: Path = Path("camera.json")
    data_dir: Path = Path("/var/lib/nettestad-edge")
    api_url: str = "http://localhost:8000"
    api_ca_file: str | None = None
    http_timeout_s: float = Field(default=30.0, gt=0)
    spool_max_events: int = Field(default=500, ge=1)
    spool_max_bytes: int = Field(default=2 * 1024**3, ge=1024 * 1024)
    raw_retention_days: int = Field(default=MAX_RAW_RETENTION_DAYS, ge=1, le=MAX_RAW_RETENTION_DAYS)
    heartbeat_s: float = Field(default=60.0, gt=0)
    retry_s: float = Field(default=5.0, gt=0, description="pause before retrying a failed delivery")
    mqtt_reconnect_max_s: float = Field(
        default=30.0, ge=1.0, description="longest pause between reconnection attempts"
    )
    mqtt_client_id: str = Field(default_factory=lambda: f"edge-{socket.gethostname()}"[:64])
    # Unlocks the unit's keys (edge/keys.py); kept outside data_dir: a systemd credential sealed
    # to the TPM ($CREDENTIALS_DIRECTORY/device-secret) or a file on another medium.
    device_secret: SecretStr = SecretStr(DEV_SECRET)
    device_secret_file: Path | None = None

    def secret_settings(self) -> dict[str, str | None]:
        """The camera has no database; the broker password and the device secret matter."""
        values = super().secret_settings()
        values.pop("NETTESTAD_DATABASE_URL (password)", None)
        if self.device_secret_file is None:
            values["NETTESTAD_DEVICE_SECRET"] = self.device_secret.get_secret_value()
        return values

    def device_key_secret(self) -> DeviceSecret:
        """The device secret, from its file when one is named; ``KeyUnlockError`` when unusable."""
        try:
            if self.device_secret_file is not None:
                return DeviceSecret(self.device_secret_file.read_bytes().strip())
            return DeviceSecret(self.device_secret.get_secret_value().encode())
        except (OSError, ValueError) as exc:
            raise KeyUnlockError(f"the device secret is unusable: {exc}") from exc

    def insecure_settings(self) -> list[str]:
        """Evidence must travel over HTTPS in production."""
        problems = super().insecure_settings()
        parts = urlsplit(self.api_url)
        if parts.scheme != "https" and parts.hostname not in {"localhost", "127.0.0.1", "::1"}:
            problems.append("NETTESTAD_API_URL must be https:// for a remote API")
        if self.device_secret_file is None and len(self.device_secret) < 2 * MIN_SECRET_BYTES:
            problems.append(
                f"NETTESTAD_DEVICE_SECRET needs at least {2 * MIN_SECRET_BYTES} characters"
            )
        if self.device_secret_file is not None and self.device_secret_file.resolve().is_relative_to(
            self.data_dir.resolve()
        ):
            problems.append("NETTESTAD_DEVICE_SECRET_FILE must not lie inside the data folder")
        return problems


def get_edge_settings() -> EdgeSettings:
    """Build camera-unit settings from the environment (called when the unit starts)."""
    return EdgeSettings()
