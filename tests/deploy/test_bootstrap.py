"""bootstrap.sh makes every secret and a broker certificate that devices can verify, once."""

from __future__ import annotations

import os
import shutil
import stat
import subprocess
from pathlib import Path

import pytest
from cryptography import x509

DEPLOY = Path(__file__).resolve().parents[2] / "deploy"
SECRETS = (
    "db_password",
    "database_url",
    "api_secret_key",
    "scheduler_token",
    "mqtt_ingest_password",
    "mqtt_api_password",
    "mqtt_scheduler_password",
    "mqtt_metrics_password",
)


@pytest.fixture
def deploy_copy(tmp_path: Path) -> Path:
    """A copy of deploy/ with a filled-in .env and a `docker` that only records its calls."""
    folder = tmp_path / "deploy"
    shutil.copytree(DEPLOY, folder, ignore=shutil.ignore_patterns("secrets", "certs", "backups"))
    (folder / ".env").write_text(
        (DEPLOY / ".env.example").read_text().replace("mqtt.example.be", "mqtt.kortrijk.test")
    )
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "docker"
    # Docker does not run here: record the calls, and stand in for the passwd file they make.
    fake.write_text(
        f'#!/bin/sh\necho "$@" >> {tmp_path}/docker-calls\ntouch {folder}/mosquitto/config/passwd\n'
    )
    fake.chmod(0o755)
    return folder


def _run(folder: Path) -> subprocess.CompletedProcess[str]:
    env = {**os.environ, "PATH": f"{folder.parent / 'bin'}:{os.environ['PATH']}"}
    return subprocess.run(
        ["bash", str(folder / "bootstrap.sh")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )


@pytest.mark.skipif(os.geteuid() != 0, reason="bootstrap.sh hands files to the containers' users")
def test_bootstrap_makes_secrets_and_a_verifiable_broker_certificate(deploy_copy: Path) -> None:
    """Secrets are random, private to root on the host, and kept on a second run; the cert fits."""
    first = _run(deploy_copy)
    assert first.returncode == 0, first.stderr
    secrets_dir = deploy_copy / "secrets"
    assert stat.S_IMODE(secrets_dir.stat().st_mode) == 0o700
    values = {name: (secrets_dir / name).read_text().strip() for name in SECRETS}
    assert len({v for k, v in values.items() if k != "database_url"}) == len(SECRETS) - 1
    assert all(len(v) >= 32 for v in values.values())
    assert values["database_url"] == (
        f"postgresql://nettestad:{values['db_password']}@db:5432/nettestad"
    )

    certs = deploy_copy / "mosquitto" / "certs"
    server = x509.load_pem_x509_certificate((certs / "server.crt").read_bytes())
    names = server.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert set(names.get_values_for_type(x509.DNSName)) == {"mqtt.kortrijk.test", "mosquitto"}
    ca = x509.load_pem_x509_certificate((certs / "ca.crt").read_bytes())
    server.verify_directly_issued_by(ca)  # raises when the CA did not sign it
    assert (certs / "server.key").stat().st_uid == 1883  # the broker's user in its image

    calls = (deploy_copy.parent / "docker-calls").read_text()
    assert "broker config --out /broker --root nettestad" in calls
    for service in ("ingest", "api", "scheduler", "metrics"):
        assert f"broker set-service svc_{service} --password-stdin" in calls

    second = _run(deploy_copy)
    assert second.returncode == 0, second.stderr
    assert {n: (secrets_dir / n).read_text().strip() for n in SECRETS} == values
    assert x509.load_pem_x509_certificate((certs / "server.crt").read_bytes()) == server
