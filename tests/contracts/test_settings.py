"""Production mode refuses development defaults and names the offending setting."""

from __future__ import annotations

import pytest
from pydantic import SecretStr

from api.settings import ApiSettings
from config.settings import InsecureSettingError, Mode, ServiceSettings
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


def test_ingest_client_id_is_derived_secret_and_stable() -> None:
    """Unset, ingest's client id comes from the worker name and the secrets: the same across
    restarts, different with other secrets, and never a valid device id."""
    from contracts.topics import DEVICE_ID_PATTERN

    def derived(password: str, worker: str = "ingest-1") -> str:
        return IngestSettings(  # type: ignore[call-arg]
            _env_file=None,
            worker=worker,
            mqtt_password=SecretStr(password),
            database_url=SecretStr("postgresql://n:Qx7-long-secret-2026@db/nt"),
        ).client_id

    first = derived("another-Long-secret-1")
    assert first == derived("another-Long-secret-1")
    assert first != derived("another-Long-secret-2")
    assert first != derived("another-Long-secret-1", worker="ingest-2")
    assert first.startswith("ingest_ingest-1_")
    assert len(first) - len("ingest_ingest-1_") == 32
    assert DEVICE_ID_PATTERN.match(first) is None


def test_production_refuses_a_client_id_a_device_could_hold(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """A client id that is a valid device id (a device account could connect with it) is refused."""
    monkeypatch.setenv("NETTESTAD_MODE", "production")
    monkeypatch.setenv("NETTESTAD_DATABASE_URL", "postgresql://i:Qx7-long-secret-2026@localhost/nt")
    monkeypatch.setenv("NETTESTAD_MQTT_USERNAME", "svc_ingest")
    monkeypatch.setenv("NETTESTAD_MQTT_PASSWORD", "another-Long-secret-1")
    monkeypatch.setenv("NETTESTAD_CLIENT_ID", "ingest-1")
    with pytest.raises(InsecureSettingError, match="NETTESTAD_CLIENT_ID"):
        IngestSettings(_env_file=None)  # type: ignore[call-arg]
