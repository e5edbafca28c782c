"""Settings shared by every service; each service subclasses ``ServiceSettings``.

Settings come from environment variables prefixed ``NETTESTAD_`` and from a ``.env`` file. They are
built by each service's factory when it starts, never at import time. In production mode a
setting that still holds a development default, or a secret that is short or predictable, is
refused, naming the setting.
"""

from __future__ import annotations

import math
from collections import Counter
from enum import StrEnum
from typing import Self
from urllib.parse import urlsplit

from pydantic import Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from contracts import DEFAULT_ROOT

DEV_DATABASE_URL = "postgresql://nettestad:nettestad@localhost:5432/nettestad"
DEV_SECRET = "dev-only-change-me"  # noqa: S105 - the development default that production refuses
# Passwords anyone could guess; production refuses these wherever a secret goes.
PLACEHOLDER_SECRETS = frozenset(
    {
        "",
        DEV_SECRET,
        "nettestad",
        "changeme",
        "change-me",
        "secret",
        "password",
        "postgres",
        "admin",
    }
)


MIN_SECRET_LENGTH = 16
MIN_SECRET_BITS = 48.0  # estimated (below); a random 16-character base64 secret scores 55-64
MIN_SECRET_DISTINCT = 10  # different characters


def secret_bits(value: str) -> float:
    """A conservative estimate of a secret's entropy: its length times the Shannon entropy of its
    own characters (so ``kkkk…`` or ``abab…`` scores low however long it is)."""
    if not value:
        return 0.0
    counts = Counter(value)
    n = len(value)
    per_char = -sum(c / n * math.log2(c / n) for c in counts.values())
    return per_char * n


def secret_weakness(value: str | None) -> str | None:
    """Why a secret is unfit for production (a placeholder, too short, too predictable), or None."""
    if value is None or value.strip().lower() in PLACEHOLDER_SECRETS:
        return "is a default or placeholder secret"
    if len(value) < MIN_SECRET_LENGTH:
        return f"is shorter than {MIN_SECRET_LENGTH} characters"
    if len(set(value)) < MIN_SECRET_DISTINCT or secret_bits(value) < MIN_SECRET_BITS:
        return "is too predictable (repeats too few different characters)"
    return None


class Mode(StrEnum):
    """Development allows known defaults; production refuses them."""

    DEV = "dev"
    PRODUCTION = "production"


class InsecureSettingError(RuntimeError):
    """A production setting still holds a development default (raised as is, not as a validation error)."""


class ServiceSettings(BaseSettings):
    """Connection settings every nettestad service needs."""

    model_config = SettingsConfigDict(
        env_prefix="NETTESTAD_", env_file=".env", env_file_encoding="utf-8", extra="ignore"
    )

    mode: Mode = Mode.DEV
    database_url: SecretStr = SecretStr(DEV_DATABASE_URL)
    mqtt_host: str = "localhost"
    mqtt_port: int = Field(default=1883, ge=1, le=65535)
    mqtt_username: str | None = None
    mqtt_password: SecretStr | None = None
    mqtt_tls: bool = False
    mqtt_ca_file: str | None = None
    topic_root: str = Field(default=DEFAULT_ROOT, pattern=r"^[A-Za-z0-9_-]{1,40}$")

    def secret_settings(self) -> dict[str, str | None]:
        """Name → value of every setting that must not keep a default in production."""
        password = urlsplit(self.database_url.get_secret_value()).password
        values: dict[str, str | None] = {"NETTESTAD_DATABASE_URL (password)": password}
        if self.mqtt_username is not None:
            secret = self.mqtt_password.get_secret_value() if self.mqtt_password else None
            values["NETTESTAD_MQTT_PASSWORD"] = secret
        return values

    def insecure_settings(self) -> list[str]:
        """Production problems besides default secrets; subclasses add their own."""
        problems = []
        if self.mqtt_username is None:
            problems.append("NETTESTAD_MQTT_USERNAME is unset: the broker must not be anonymous")
        if not self.mqtt_tls and self.mqtt_host not in {"localhost", "127.0.0.1", "::1"}:
            problems.append("NETTESTAD_MQTT_TLS is off for a remote broker")
        return problems

    @model_validator(mode="after")
    def _refuse_defaults_in_production(self) -> Self:
        if self.mode is not Mode.PRODUCTION:
            return self
        problems = []
        for name, value in self.secret_settings().items():
            weakness = secret_weakness(value)
            if weakness is not None:
                problems.append(f"{name} {weakness}")
        problems += self.insecure_settings()
        if problems:
            raise InsecureSettingError(
                "refusing to start in production mode: " + "; ".join(problems)
            )
        return self
