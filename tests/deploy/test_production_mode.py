"""Production mode refuses default secrets through the real command line, naming the setting."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

REPO = Path(__file__).resolve().parents[2]
GOOD_DB = "postgresql://nettestad:Kx9-long-random-db-pass@db.invalid:5432/nettestad"


def _run(command: str, env: dict[str, str], cwd: Path) -> subprocess.CompletedProcess[str]:
    clean = {k: v for k, v in os.environ.items() if not k.startswith("NETTESTAD_")}
    clean["PYTHONPATH"] = str(REPO)
    return subprocess.run(
        [sys.executable, "-m", "nettestad.cli", command],
        env={**clean, "NETTESTAD_MODE": "production", **env},
        cwd=cwd,  # no .env file there
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.parametrize(
    ("command", "env", "named"),
    [
        ("ingest", {}, "NETTESTAD_DATABASE_URL"),
        (
            "ingest",
            {
                "NETTESTAD_DATABASE_URL": GOOD_DB,
                "NETTESTAD_MQTT_USERNAME": "svc_ingest",
                "NETTESTAD_MQTT_PASSWORD": "changeme",
            },
            "NETTESTAD_MQTT_PASSWORD",
        ),
        (
            "ingest",
            {"NETTESTAD_DATABASE_URL": GOOD_DB, "NETTESTAD_MQTT_HOST": "mosquitto"},
            "NETTESTAD_MQTT_USERNAME",
        ),
        (
            "api",
            {
                "NETTESTAD_DATABASE_URL": GOOD_DB,
                "NETTESTAD_MQTT_USERNAME": "svc_api",
                "NETTESTAD_MQTT_PASSWORD": "Zq1-long-random-mqtt-pass",
            },
            "NETTESTAD_SECRET_KEY",
        ),
        (
            "scheduler",
            {
                "NETTESTAD_DATABASE_URL": GOOD_DB,
                "NETTESTAD_MQTT_USERNAME": "svc_scheduler",
                "NETTESTAD_MQTT_PASSWORD": "Wd4-long-random-mqtt-pass",
            },
            "NETTESTAD_SCHEDULER_TOKEN",
        ),
    ],
)
def test_production_refuses_default_secret(
    command: str, env: dict[str, str], named: str, tmp_path: Path
) -> None:
    """The service exits non-zero before doing anything, saying which setting is unsafe."""
    result = _run(command, env, tmp_path)
    assert result.returncode == 78, result.stderr
    assert named in result.stderr
    assert "refusing to start in production mode" in result.stderr
    assert "Traceback" not in result.stderr
