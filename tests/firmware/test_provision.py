"""Provisioning a bin sensor: the registry row, the config file the firmware reads, the broker entry."""

from __future__ import annotations

import json
import stat
from pathlib import Path
from typing import Any

import psycopg
import pytest
from nettestad.broker import read_passwd, verify_password
from nettestad.cli import main
from nettestad.provision import Mounting, Network, ProvisioningError, provision

Conn = psycopg.Connection[tuple[Any, ...]]
NETWORK = Network(wifi_ssid="kortrijk-iot", wifi_password="wifi-secret", mqtt_host="mqtt.example")


@pytest.fixture
def a_bin(db: Conn) -> str:
    """One registered 1.1 m deep underground container."""
    db.execute(
        """INSERT INTO bins (id, name, district, container_type, category, volume_l, depth_mm,
               lat, lon)
           VALUES ('bin-k-0007', 'Schouwburgplein', 'Centrum', 'underground', 'underground',
                   3000, 1100, 50.827, 3.266)"""
    )
    return "bin-k-0007"


def test_provision_registers_the_sensor_and_writes_a_private_config(
    db: Conn, a_bin: str, tmp_path: Path
) -> None:
    """The device is registered on the bin and its config file (owner-only) has what the firmware needs."""
    out = tmp_path / "config.json"
    passwd = tmp_path / "passwd"
    document = provision(
        conn=db,
        device_id="fs-k0007",
        bin_id=a_bin,
        network=NETWORK,
        mounting=Mounting(sensor_offset_mm=150),
        out=out,
        password_file=passwd,
    )
    assert db.execute("SELECT kind, bin_id FROM devices WHERE id = 'fs-k0007'").fetchone() == (
        "fill_sensor",
        a_bin,
    )
    written = json.loads(out.read_text())
    assert written == document
    assert stat.S_IMODE(out.stat().st_mode) == 0o600
    assert written["bin"]["depth_mm"] == 1100
    assert written["mqtt"] == {
        "host": "mqtt.example",
        "port": 8883,
        "tls": True,
        "username": "fs-k0007",
        "password": written["mqtt"]["password"],
        "topic_root": "nettestad",
    }
    password = written["mqtt"]["password"]
    assert len(password) >= 32
    # The broker entry verifies this password and holds no trace of it in clear.
    entries = read_passwd(passwd)
    assert list(entries) == ["fs-k0007"]
    assert verify_password(password, entries["fs-k0007"])
    assert not verify_password(password + "x", entries["fs-k0007"])
    assert password not in passwd.read_text()


def test_every_device_gets_its_own_password(db: Conn, a_bin: str, tmp_path: Path) -> None:
    """Re-provisioning (a replaced sensor) issues a new password and replaces the broker entry."""
    passwd = tmp_path / "passwd"
    passwd.write_text("other-device:$7$101$abc$def\n")
    first = provision(
        conn=db, device_id="fs-k0007", bin_id=a_bin, network=NETWORK, mounting=Mounting(),
        out=tmp_path / "a.json", password_file=passwd,
    )  # fmt: skip
    second = provision(
        conn=db, device_id="fs-k0007", bin_id=a_bin, network=NETWORK, mounting=Mounting(),
        out=tmp_path / "b.json", password_file=passwd,
    )  # fmt: skip
    assert first["mqtt"]["password"] != second["mqtt"]["password"]
    entries = read_passwd(passwd)
    assert list(entries) == ["other-device", "fs-k0007"]
    assert verify_password(second["mqtt"]["password"], entries["fs-k0007"])
    assert not verify_password(first["mqtt"]["password"], entries["fs-k0007"])


def test_provision_refuses_unknown_bins_and_bad_ids(db: Conn, a_bin: str, tmp_path: Path) -> None:
    """An unregistered bin, an invalid device id or an offset below the floor is refused clearly."""
    with pytest.raises(ProvisioningError, match="not registered"):
        provision(
            conn=db, device_id="fs-k0008", bin_id="bin-nowhere", network=NETWORK,
            mounting=Mounting(), out=tmp_path / "c.json",
        )  # fmt: skip
    with pytest.raises(ProvisioningError, match="must match"):
        provision(
            conn=db, device_id="FS_K", bin_id=a_bin, network=NETWORK, mounting=Mounting(),
            out=tmp_path / "c.json",
        )  # fmt: skip
    with pytest.raises(ProvisioningError, match="not above the floor"):
        provision(
            conn=db, device_id="fs-k0009", bin_id=a_bin, network=NETWORK,
            mounting=Mounting(sensor_offset_mm=1200), out=tmp_path / "c.json",
        )  # fmt: skip
    assert not (tmp_path / "c.json").exists()


def test_cli_provisions_and_revokes(
    db: Conn,
    a_bin: str,
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """`nettestad device provision` and `device revoke` work end to end on the database."""
    monkeypatch.setenv("NETTESTAD_DATABASE_URL", database_url)
    monkeypatch.setenv("NETTESTAD_WIFI_PASSWORD", "wifi-secret")
    out = tmp_path / "dev" / "config.json"
    code = main(
        ["device", "provision", "fs-k0010", "--bin", a_bin, "--wifi-ssid", "kortrijk-iot",
         "--mqtt-host", "localhost", "--no-tls", "--topic-root", "kortrijk", "--out", str(out)]
    )  # fmt: skip
    assert code == 0
    written = json.loads(out.read_text())
    assert (written["mqtt"]["port"], written["mqtt"]["tls"]) == (1883, False)
    assert written["mqtt"]["topic_root"] == "kortrijk"
    assert written["wifi"] == {"ssid": "kortrijk-iot", "password": "wifi-secret"}
    assert main(["device", "revoke", "fs-k0010"]) == 0
    revoked = db.execute("SELECT revoked_at IS NOT NULL FROM devices WHERE id = 'fs-k0010'")
    assert revoked.fetchone() == (True,)
    assert main(["device", "revoke", "fs-k0010"]) == 1
    assert "already revoked" in capsys.readouterr().out
