"""Backups taken while ingest writes restore completely into an empty database."""

from __future__ import annotations

import hashlib
import io
import json
import tarfile
import threading
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest

from broker.client import connect, make_client
from config.settings import ServiceSettings
from contracts.topics import UpKind, up_topic
from db.conn import drop_database, with_database
from nettestad.cli import main
from tests.helpers import poll

DEVICES = ("fill-bk01", "fill-bk02", "fill-bk03")


def _register(database_url: str) -> None:
    with psycopg.connect(database_url, autocommit=True) as conn:
        for n, device_id in enumerate(DEVICES):
            conn.execute(
                """INSERT INTO bins (id, name, district, container_type, volume_l, depth_mm, lat, lon)
                   VALUES (%s, %s, 'Heule', 'street_bin', 120, 900, 50.84, 3.24)""",
                (f"bin-bk{n}", f"Bakkerstraat {n}"),
            )
            conn.execute(
                "INSERT INTO devices (id, kind, bin_id) VALUES (%s, 'fill_sensor', %s)",
                (device_id, f"bin-bk{n}"),
            )


def _batch(device_id: str, seq: int, ts: datetime) -> bytes:
    reading = {
        "seq": seq,
        "ts": ts.isoformat(),
        "distance_mm": 700 - seq % 500,
        "filling_level": min(seq % 100 / 100, 1.0),
        "temperature_c": 5.5,
        "battery_v": 3.55,
        "rssi_dbm": -90,
        "quality": "ok",
        "status": "ok",
    }
    return json.dumps(
        {"device_id": device_id, "readings": [reading], "dropped_readings": 0}
    ).encode()


def _keys(url: str) -> set[tuple[Any, ...]]:
    with psycopg.connect(url) as conn:
        return set(conn.execute("SELECT device_id, ts, seq FROM fill_readings").fetchall())


def _evidence(folder: Path) -> dict[str, str]:
    return {
        p.relative_to(folder).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
        for p in folder.rglob("*")
        if p.is_file()
    }


@pytest.mark.slow
def test_backup_during_ingest_restores_every_reading(
    service_env: dict[str, str], running_ingest: Any, database_url: str, tmp_path: Path
) -> None:
    """A backup taken while readings stream in restores into an empty database with all of them."""
    _register(database_url)
    evidence = tmp_path / "evidence"
    (evidence / "2026" / "11").mkdir(parents=True)
    (evidence / "2026" / "11" / "ev-1.jpg").write_bytes(bytes(range(256)) * 40)
    (evidence / "2026" / "11" / "ev-1.json").write_text('{"sha256": "x"}')

    settings = ServiceSettings()
    stop = threading.Event()
    sent = [0]
    start = datetime.now(UTC).replace(microsecond=0) - timedelta(days=2)

    def publish() -> None:
        client = make_client(settings, client_id=f"bk-{uuid.uuid4().hex[:8]}")
        connect(client, settings)
        client.loop_start()
        try:
            seq = 0
            while not stop.is_set() and seq < 20_000:
                for device_id in DEVICES:
                    ts = start + timedelta(seconds=seq)
                    info = client.publish(
                        up_topic(device_id, UpKind.READING, root=settings.topic_root),
                        _batch(device_id, seq, ts),
                        qos=1,
                    )
                    info.wait_for_publish(5)
                    sent[0] += 1
                seq += 1
        finally:
            client.disconnect()
            client.loop_stop()

    publisher = threading.Thread(target=publish, daemon=True)
    publisher.start()
    try:
        poll(lambda: len(_keys(database_url)) >= 300, timeout=30, what="readings stored")
        before = _keys(database_url)
        archive = tmp_path / "nettestad.tar"
        assert (
            main(["backup", "create", "--out", str(archive), "--evidence-dir", str(evidence)]) == 0
        )
        # ingest went on writing during the backup
        poll(lambda: len(_keys(database_url)) > len(before) + 30, timeout=30, what="more readings")
    finally:
        stop.set()
        publisher.join(30)
    after = _keys(database_url)

    with tarfile.open(archive) as tar:
        manifest = json.load(tar.extractfile("manifest.json"))  # type: ignore[arg-type]  # present
    counted = manifest["row_counts"]["fill_readings"]
    assert len(before) <= counted < len(after)

    target = with_database(database_url, f"nettestad_restore_{uuid.uuid4().hex[:10]}")
    restored_evidence = tmp_path / "restored-evidence"
    try:
        code = main(
            [
                "backup",
                "restore",
                str(archive),
                "--database-url",
                target,
                "--evidence-dir",
                str(restored_evidence),
            ]
        )
        assert code == 0
        restored = _keys(target)
        assert len(restored) == counted
        assert before <= restored <= after  # everything stored before the backup, nothing invented
        with psycopg.connect(target) as conn:
            devices = conn.execute("SELECT id FROM devices ORDER BY id").fetchall()
            versions = conn.execute("SELECT count(*) FROM schema_migrations").fetchone()
        assert [d[0] for d in devices] == sorted(DEVICES)
        assert versions is not None
        assert versions[0] == len(manifest["schema_versions"])
        assert _evidence(restored_evidence) == _evidence(evidence)

        # a second restore into the now filled database is refused, leaving it untouched
        again = main(["backup", "restore", str(archive), "--database-url", target])
        assert again == 1
        assert _keys(target) == restored
    finally:
        drop_database(target)


def test_damaged_archive_is_refused(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """A backup whose dump was altered is refused before anything is restored."""
    _register(database_url)
    monkeypatch.setenv("NETTESTAD_DATABASE_URL", database_url)
    archive = tmp_path / "b.tar"
    assert main(["backup", "create", "--out", str(archive)]) == 0
    damaged = tmp_path / "damaged.tar"
    with tarfile.open(archive) as src, tarfile.open(damaged, "w") as dst:
        for member in src.getmembers():
            data = src.extractfile(member)
            assert data is not None
            content = data.read()
            if member.name == "database.dump":
                content = content[:-10] + b"0123456789"
            member.size = len(content)
            dst.addfile(member, io.BytesIO(content))
    target = with_database(database_url, f"nettestad_restore_{uuid.uuid4().hex[:10]}")
    try:
        assert main(["backup", "restore", str(damaged), "--database-url", target]) == 1
        assert "database.dump is missing or damaged" in capsys.readouterr().err
    finally:
        drop_database(target)


def test_a_backup_taken_before_the_purge_cannot_bring_purged_evidence_back(
    database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Restored after the purge, a backup yields the kept event's frames but not the purged one's: its key is gone and the archive holds only ciphertext."""
    from api.evidence_access import DirectoryEvidence
    from api.retention import purge_expired
    from tests.api.seed import seed_city, seed_detection

    monkeypatch.setenv("NETTESTAD_DATABASE_URL", database_url)
    evidence = tmp_path / "evidence"
    files = DirectoryEvidence(evidence, key_root=tmp_path / "evidence-keys")
    frames: dict[str, bytes] = {}
    with psycopg.connect(database_url, autocommit=True) as db:
        seed_city(db)
        for event_id in ("evt-purged-001", "evt-kept-0002"):
            seed_detection(db, evidence, event_id=event_id)
            for path in (evidence / event_id).iterdir():  # stored as the upload endpoint does
                frames[f"{event_id}/{path.name}"] = path.read_bytes()
                files.write(event_id, path.name, path.read_bytes())
        archive = tmp_path / "before-purge.tar"
        assert (
            main(["backup", "create", "--out", str(archive), "--evidence-dir", str(evidence)]) == 0
        )
        db.execute(
            "UPDATE dumping_events SET detected_at = now() - interval '31 days'"
            " WHERE event_id = 'evt-purged-001'"
        )
        assert purge_expired(conn=db, files=files, retention_days=30) == ["evt-purged-001"]

    packed = archive.read_bytes()
    assert all(data not in packed for data in frames.values())  # no file in the clear
    target = with_database(database_url, f"nettestad_restore_{uuid.uuid4().hex[:10]}")
    restored = tmp_path / "restored-evidence"
    try:
        args = ["backup", "restore", str(archive), "--database-url", target]
        assert main([*args, "--evidence-dir", str(restored)]) == 0
        with psycopg.connect(target) as conn:  # the restore gave the log back to its own role
            owner = conn.execute(
                "SELECT tableowner FROM pg_tables WHERE tablename = 'audit_log'"
            ).fetchone()
        assert owner == ("nettestad_audit",)
    finally:
        drop_database(target)
    assert (restored / "evt-purged-001" / "before.jpg").is_file()  # the ciphertext came back
    reopened = DirectoryEvidence(restored, key_root=tmp_path / "evidence-keys")
    assert reopened.read("evt-purged-001", "before.jpg") is None
    assert reopened.read("evt-kept-0002", "before.jpg") == frames["evt-kept-0002/before.jpg"]


def test_production_refuses_evidence_keys_inside_the_evidence_folder(tmp_path: Path) -> None:
    """The API does not start in production with its key folder where backups copy the evidence."""
    from api.settings import ApiSettings
    from config.settings import InsecureSettingError

    strong = {
        "mode": "production",
        "database_url": "postgresql://nettestad_svc:Xq9v2LmR7tPz4Kw8@db:5432/nettestad",
        "secret_key": "uQ7#vN2pL9xR4tW8zK3mB6yD1hF5jS0gA",
        "mqtt_username": "svc_api",
        "mqtt_password": "cE8rT2wQ6nM4vB9xZ3kL7pH1jG5dF0sY",
    }
    evidence = tmp_path / "evidence"
    with pytest.raises(InsecureSettingError, match="NETTESTAD_EVIDENCE_KEY_DIR"):
        ApiSettings.model_validate(
            {**strong, "evidence_dir": str(evidence), "evidence_key_dir": str(evidence / "keys")}
        )
    settings = ApiSettings.model_validate({**strong, "evidence_dir": str(evidence)})
    assert settings.evidence_key_dir is None  # the sibling folder <evidence>-keys


def test_seal_evidence_encrypts_files_stored_in_the_clear(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Files written before encryption at rest are sealed in place and still read back the same."""
    from api.evidence_access import MAGIC, DirectoryEvidence

    evidence = tmp_path / "evidence"
    (evidence / "evt-old-000001").mkdir(parents=True)
    (evidence / "evt-old-000001" / "before.jpg").write_bytes(b"old frame")
    DirectoryEvidence(evidence).write("evt-new-000002", "before.jpg", b"new frame")
    args = ["backup", "seal-evidence", "--evidence-dir", str(evidence)]
    assert main(args) == 0
    assert "sealed 1 evidence file(s)" in capsys.readouterr().out
    assert (evidence / "evt-old-000001" / "before.jpg").read_bytes().startswith(MAGIC)
    store = DirectoryEvidence(evidence)
    assert store.read("evt-old-000001", "before.jpg") == b"old frame"
    assert store.read("evt-new-000002", "before.jpg") == b"new frame"
    assert main(args) == 0
    assert "sealed 0 evidence file(s)" in capsys.readouterr().out
