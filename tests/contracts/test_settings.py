"""Production mode refuses development defaults and names the offending setting."""

from __future__ import annotations

import pytest

from api.settings import ApiSettings
from contracts.settings import InsecureSettingError, Mode, ServiceSettings
from ingest.settings import IngestSettings


def test_dev_mode_accepts_defaults() -> None:
    """Out of the box (development) the defaults are usable."""
    assert ServiceSettings(_env_file=None).mode is Mode.DEV  # type: ignore[call-arg]


def test_production_refuses_default_database_password(monkeypatch: pytest.MonkeyPatch) -> None:
    """The development database password is refused in production, naming the variable."""
    monkeypatch.setenv("NETTESTAD_MODE", "production")
    monkeypatch.setenv("NETTESTAD_MQTT_USERNAME", "ingest")
    monkeypatch.setenv("NETTESTAD_MQTT_PASSWORD", "p4ss-Ingest-9c1f")
    with pytest.raises(InsecureSettingError, match="NETTESTAD_DATABASE_URL"):
        IngestSettings(_env_file=None)  # type: ignore[call-arg]


def test_production_refuses_default_api_secret(monkeypatch: pytest.MonkeyPatch) -> None:
    """The API refuses the development session key in production, naming it."""
    monkeypatch.setenv("NETTESTAD_MODE", "production")
    monkeypatch.setenv("NETTESTAD_DATABASE_URL", "postgresql://api:Qx7-long-secret-2026@db:5432/nt")
    monkeypatch.setenv("NETTESTAD_MQTT_USERNAME", "api")
    monkeypatch.setenv("NETTESTAD_MQTT_PASSWORD", "another-Long-secret-1")
    with pytest.raises(InsecureSettingError, match="NETTESTAD_SECRET_KEY") as info:
        ApiSettings(_env_file=None)  # type: ignore[call-arg]
    assert "NETTESTAD_DATABASE_URL" not in str(info.value)


def test_production_with_real_secrets_starts(monkeypatch: pytest.MonkeyPatch) -> None:
    """With every secret set and an authenticated broker, production settings build."""
    monkeypatch.setenv("NETTESTAD_MODE", "production")
    monkeypatch.setenv(
        "NETTESTAD_DATABASE_URL", "postgresql://api:Qx7-long-secret-2026@localhost/nt"
    )
    monkeypatch.setenv("NETTESTAD_MQTT_USERNAME", "api")
    monkeypatch.setenv("NETTESTAD_MQTT_PASSWORD", "another-Long-secret-1")
    monkeypatch.setenv("NETTESTAD_SECRET_KEY", "kR8-wq2Lz9-pXv4-Tm7n-Yd3s")
    assert ApiSettings(_env_file=None).mode is Mode.PRODUCTION  # type: ignore[call-arg]


def test_production_refuses_anonymous_broker(monkeypatch: pytest.MonkeyPatch) -> None:
    """Production refuses to connect to the broker without credentials."""
    monkeypatch.setenv("NETTESTAD_MODE", "production")
    monkeypatch.setenv(
        "NETTESTAD_DATABASE_URL", "postgresql://api:Qx7-long-secret-2026@localhost/nt"
    )
    with pytest.raises(InsecureSettingError, match="NETTESTAD_MQTT_USERNAME"):
        IngestSettings(_env_file=None)  # type: ignore[call-arg]


@pytest.mark.parametrize(
    ("secret", "why"),
    [
        ("x", "shorter than 16"),
        ("Short-Key-9", "shorter than 16"),
        ("k" * 48, "too predictable"),
        ("abababababababababababab", "too predictable"),
        ("changeme", "placeholder"),
    ],
)
def test_production_refuses_a_weak_secret_key(
    monkeypatch: pytest.MonkeyPatch, secret: str, why: str
) -> None:
    """A short or repetitive session key is refused in production, not only the known defaults."""
    monkeypatch.setenv("NETTESTAD_MODE", "production")
    monkeypatch.setenv("NETTESTAD_DATABASE_URL", "postgresql://api:Qx7-long-secret-2026@db/nt")
    monkeypatch.setenv("NETTESTAD_MQTT_USERNAME", "api")
    monkeypatch.setenv("NETTESTAD_MQTT_PASSWORD", "another-Long-secret-1")
    monkeypatch.setenv("NETTESTAD_SECRET_KEY", secret)
    with pytest.raises(InsecureSettingError, match=f"NETTESTAD_SECRET_KEY .*{why}"):
        ApiSettings(_env_file=None)  # type: ignore[call-arg]
