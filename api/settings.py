"""Settings of the API service."""

from __future__ import annotations

import ipaddress
from pathlib import Path

from pydantic import Field, SecretStr, field_validator

from config import DEV_SECRET, Mode, ServiceSettings


class ApiSettings(ServiceSettings):
    """API: where it listens and the secret that signs sessions."""

    host: str = "127.0.0.1"
    port: int = Field(default=8000, ge=1, le=65535)
    secret_key: SecretStr = SecretStr(DEV_SECRET)
    pool_min: int = Field(default=2, ge=1)
    pool_max: int = Field(default=10, ge=1)
    session_hours: float = Field(default=12.0, gt=0, le=24 * 30)
    # Cookies go over HTTPS only; in development the app is reached over plain http on localhost.
    cookie_secure: bool | None = None
    evidence_retention_days: int = Field(default=30, ge=1, le=31)
    evidence_dir: str = "var/evidence"
    # Per-event keys of the encrypted evidence; never inside evidence_dir, never in backups.
    # Unset: the sibling folder "<evidence_dir>-keys".
    evidence_key_dir: str | None = None
    # Map background tiles ({z}/{x}/{y}); by default OpenStreetMap's, which asks heavy users to run
    # their own tile server (https://operations.osmfoundation.org/policies/tiles/). Empty: none.
    map_tiles_url: str = "https://tile.openstreetmap.org/{z}/{x}/{y}.png"
    map_attribution: str = (
        '&copy; <a href="https://www.openstreetmap.org/copyright">OpenStreetMap</a>-bijdragers'
    )
    # An OSRM server (http://host:5000) for route lines along the roads; empty: straight lines.
    osrm_url: str = ""
    retention_interval_s: float = Field(default=3600.0, gt=0)
    # The reverse proxy in front (its address or network, comma-separated): only from there is
    # X-Forwarded-For believed, and only its nearest hop. Empty: the peer address is the client.
    trusted_proxies: str = ""
    # Origins besides the API's own host that may send state-changing requests (comma-separated,
    # e.g. "https://nettestad.kortrijk.be" when the Host header differs behind a proxy).
    allowed_origins: str = ""

    @field_validator("trusted_proxies")
    @classmethod
    def _valid_networks(cls, value: str) -> str:
        for item in filter(None, (v.strip() for v in value.split(","))):
            ipaddress.ip_network(item, strict=False)  # a ValueError names the bad entry
        return value

    @property
    def proxy_networks(self) -> tuple[ipaddress.IPv4Network | ipaddress.IPv6Network, ...]:
        """``trusted_proxies`` parsed."""
        return tuple(
            ipaddress.ip_network(item, strict=False)
            for item in filter(None, (v.strip() for v in self.trusted_proxies.split(",")))
        )

    @property
    def secure_cookies(self) -> bool:
        """Secure cookies unless told otherwise; the default follows the mode."""
        if self.cookie_secure is not None:
            return self.cookie_secure
        return self.mode is Mode.PRODUCTION

    def insecure_settings(self) -> list[str]:
        """Evidence keys inside the evidence folder would go into every backup."""
        problems = super().insecure_settings()
        evidence = Path(self.evidence_dir)
        keys = Path(self.evidence_key_dir) if self.evidence_key_dir else None
        keys = keys or evidence.with_name(f"{evidence.name}-keys")
        if keys.resolve().is_relative_to(evidence.resolve()):
            problems.append("NETTESTAD_EVIDENCE_KEY_DIR must not lie inside NETTESTAD_EVIDENCE_DIR")
        return problems

    def secret_settings(self) -> dict[str, str | None]:
        """The API adds its session-signing key to the secrets production checks."""
        return {
            **super().secret_settings(),
            "NETTESTAD_SECRET_KEY": self.secret_key.get_secret_value(),
        }


def get_api_settings() -> ApiSettings:
    """Build API settings from the environment (called by the app factory)."""
    return ApiSettings()
