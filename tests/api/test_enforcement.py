"""Enforcement: review, cases with a number, the verified bundle, unblur requests, the audit log."""

from __future__ import annotations

import hashlib
import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import psycopg
import pytest
from fastapi.testclient import TestClient

from api.app import create_app
from api.auth import Role, create_user
from api.evidence_access import DirectoryEvidence
from api.retention import purge_expired
from api.settings import ApiSettings
from tests.api.conftest import PASSWORD, login
from tests.api.seed import seed_city, seed_detection
from tests.helpers import RecordingSender


def _second_officer(client: TestClient, db: psycopg.Connection[tuple[Any, ...]]) -> dict[str, str]:
    """Make and log in a second enforcement officer."""
    create_user(conn=db, username="enforcement2", password=PASSWORD, role=Role.ENFORCEMENT)
    return login(client, "enforcement2")


def _unblur(client: TestClient, event_id: str, headers: dict[str, str]) -> int:
    """Ask for an event's unblurred frames; returns the request id."""
    answer = client.post(
        f"/api/v1/enforcement/events/{event_id}/unblur",
        json={"reason": "identificatie van de bestuurder"},
        headers=headers,
    )
    assert answer.status_code == 200, answer.text
    return int(answer.json()["request_id"])


def test_confirm_dismiss_bundle_unblur_and_audit(
    api_settings: ApiSettings,
    accounts: dict[Role, str],
    db: psycopg.Connection[tuple[Any, ...]],
    tmp_path: Path,
) -> None:
    """A confirmed detection gets a case, a cleanup stop and a verified bundle; every look is logged."""
    seed_city(db)
    seed_detection(db, tmp_path, event_id="evt-00000001")
    seed_detection(db, tmp_path, event_id="evt-00000002", minutes_ago=50)
    sender = RecordingSender()
    app = create_app(api_settings, evidence_files=DirectoryEvidence(tmp_path), commands=sender)
    with TestClient(app) as client:
        officer = login(client, accounts[Role.ENFORCEMENT])
        queue = client.get("/api/v1/enforcement/queue", params={"state": "new"}, headers=officer)
        assert queue.json()["counts"] == {"new": 2}
        detail = client.get("/api/v1/enforcement/events/evt-00000001", headers=officer).json()
        frame = next(f for f in detail["files"] if f["kind"] == "frame_before")
        assert client.get(frame["url"], headers=officer).status_code == 200
        clip = next(f for f in detail["files"] if f["kind"] == "clip")
        clip_answer = client.get(clip["url"], headers=officer)
        assert clip_answer.headers["content-type"] == "video/x-msvideo"

        # dismissing needs a reason
        no_reason = {"state": "dismissed", "reason": ""}
        url2 = "/api/v1/enforcement/events/evt-00000002/review"
        assert client.post(url2, json=no_reason, headers=officer).status_code == 422
        dismissed = {"state": "dismissed", "reason": "kat op de glasbol"}
        assert client.post(url2, json=dismissed, headers=officer).status_code == 200

        confirmed = client.post(
            "/api/v1/enforcement/events/evt-00000001/review",
            json={"state": "confirmed", "reason": "zakken afval achtergelaten"},
            headers=officer,
        ).json()
        case_number = confirmed["case_number"]
        assert case_number.startswith(f"SLK-{datetime.now(UTC).year}-")
        again = client.post(
            "/api/v1/enforcement/events/evt-00000001/review",
            json={"state": "confirmed"},
            headers=officer,
        ).json()
        assert again["case_number"] == case_number
        assert db.execute("SELECT count(*) FROM extra_stops WHERE kind = 'dump'").fetchone() == (1,)
        assert db.execute("SELECT count(*) FROM fixed_visits WHERE kind = 'dump'").fetchone() == (
            1,
        )
        crew_sheet = client.get("/api/v1/crew/route", headers=login(client, accounts[Role.CREW]))
        assert any(case_number in s["label"] for s in crew_sheet.json()["stops"])

        rates = client.get("/api/v1/enforcement/cameras", headers=officer).json()
        assert rates[0]["false_positive_rate"] == pytest.approx(0.5)

        assert sender.sent == [
            (
                "cam-heule-1",
                {
                    "cmd": "legal_hold",
                    "event_id": "evt-00000001",
                    "case_number": case_number,
                    "hold": True,
                },
            )
        ]
        unblur = client.post(
            "/api/v1/enforcement/events/evt-00000001/unblur",
            json={"reason": "identificatie van de bestuurder"},
            headers=officer,
        ).json()
        assert (unblur["state"], unblur["sent"]) == ("pending", False)
        second = _second_officer(client, db)
        approved = client.post(
            f"/api/v1/enforcement/unblur-requests/{unblur['request_id']}/approve", headers=second
        ).json()
        assert (approved["state"], approved["sent"]) == ("approved", True)
        assert sender.sent[-1] == (
            "cam-heule-1",
            {
                "cmd": "upload_unblurred",
                "event_id": "evt-00000001",
                "request_id": unblur["request_id"],
            },
        )

        bundle = client.get(f"/api/v1/enforcement/cases/{case_number}/bundle", headers=officer)
        assert bundle.headers["content-type"] == "application/zip"
        archive = zipfile.ZipFile(io.BytesIO(bundle.content))
        verification = json.loads(archive.read("verification.json"))
        assert verification["all_verified"] is True, verification
        assert verification["manifest_signature"]["status"] == "ok"
        trail = archive.read("audit_trail.csv").decode()
        for action in (
            "view",
            "view_file",
            "confirmed",
            "unblur_request",
            "unblur_approved",
            "export",
        ):
            assert f",{action}," in trail
        assert "evidence/before.jpg" in archive.namelist()

    actions = [r[0] for r in db.execute("SELECT action FROM audit_log ORDER BY id").fetchall()]
    assert actions.count("view") == 1
    assert "export" in actions
    with pytest.raises(psycopg.Error, match="append-only"):
        db.execute("UPDATE audit_log SET username = 'someone else'")
    with pytest.raises(psycopg.Error, match="append-only"):
        db.execute("DELETE FROM audit_log")


def test_tampered_file_fails_verification(
    api_settings: ApiSettings,
    accounts: dict[Role, str],
    db: psycopg.Connection[tuple[Any, ...]],
    tmp_path: Path,
) -> None:
    """A frame altered after upload shows up as a hash mismatch in the bundle."""
    seed_city(db)
    seed_detection(db, tmp_path, event_id="evt-00000003")
    (tmp_path / "evt-00000003" / "during.jpg").write_bytes(b"edited")
    app = create_app(
        api_settings, evidence_files=DirectoryEvidence(tmp_path), commands=RecordingSender()
    )
    with TestClient(app) as client:
        officer = login(client, accounts[Role.ENFORCEMENT])
        number = client.post(
            "/api/v1/enforcement/events/evt-00000003/review",
            json={"state": "confirmed"},
            headers=officer,
        ).json()["case_number"]
        bundle = client.get(f"/api/v1/enforcement/cases/{number}/bundle", headers=officer)
        verification = json.loads(
            zipfile.ZipFile(io.BytesIO(bundle.content)).read("verification.json")
        )
        assert verification["all_verified"] is False
        statuses = {f["name"]: f["status"] for f in verification["files"]}
        assert statuses == {"before.jpg": "ok", "during.jpg": "hash_mismatch", "clip.avi": "ok"}


def test_retention_deletes_old_evidence_but_keeps_cases_on_hold(
    db: psycopg.Connection[tuple[Any, ...]], accounts: dict[Role, str], tmp_path: Path
) -> None:
    """After 30 days, evidence goes unless its case holds it; closing the case lifts the hold."""
    seed_city(db)
    for event_id in ("evt-old-00001", "evt-old-00002", "evt-new-00003"):
        seed_detection(db, tmp_path, event_id=event_id, minutes_ago=10)
    db.execute(
        "UPDATE dumping_events SET detected_at = now() - interval '31 days' WHERE event_id LIKE 'evt-old%'"
    )
    officer_id = db.execute("SELECT id FROM users WHERE role = 'enforcement'").fetchone()[0]  # type: ignore[index]  # the fixture made one
    db.execute(
        "INSERT INTO enforcement_cases (case_number, event_id, opened_by) VALUES ('SLK-2026-000001', 'evt-old-00002', %s)",
        (officer_id,),
    )
    files = DirectoryEvidence(tmp_path)
    assert purge_expired(conn=db, files=files, retention_days=30) == ["evt-old-00001"]
    assert not (tmp_path / "evt-old-00001").exists()
    assert (tmp_path / "evt-old-00002" / "before.jpg").exists()
    assert (tmp_path / "evt-new-00003").exists()
    db.execute(
        "UPDATE enforcement_cases SET status = 'closed', closed_at = now(), legal_hold = false"
    )
    later = datetime.now(UTC) + timedelta(minutes=1)
    assert purge_expired(conn=db, files=files, retention_days=30, now=later) == ["evt-old-00002"]
    assert purge_expired(conn=db, files=files, retention_days=30, now=later) == []


def test_unblur_is_refused_to_the_requesting_officer_and_sent_after_a_second_one(
    api_settings: ApiSettings,
    accounts: dict[Role, str],
    db: psycopg.Connection[tuple[Any, ...]],
    tmp_path: Path,
) -> None:
    """The requester cannot approve their own request (403, in Dutch); nothing reaches the camera until another officer approves."""
    seed_city(db)
    seed_detection(db, tmp_path, event_id="evt-00000011")
    sender = RecordingSender()
    app = create_app(api_settings, evidence_files=DirectoryEvidence(tmp_path), commands=sender)
    with TestClient(app) as client:
        officer = login(client, accounts[Role.ENFORCEMENT])
        request_id = _unblur(client, "evt-00000011", officer)
        pending = client.get("/api/v1/enforcement/unblur-requests", headers=officer).json()
        assert [(r["id"], r["state"]) for r in pending] == [(request_id, "pending")]
        url = f"/api/v1/enforcement/unblur-requests/{request_id}/approve"
        own = client.post(url, headers=officer)
        assert own.status_code == 403
        assert "tweede agent" in own.json()["detail"]
        assert sender.sent == []
        second = _second_officer(client, db)
        assert client.post(url, headers=second).status_code == 200
        assert client.post(url, headers=second).status_code == 409
        assert [c["cmd"] for _, c in sender.sent] == ["upload_unblurred"]
    approvals = db.execute(
        "SELECT username, detail->>'requested_by' FROM audit_log WHERE action = 'unblur_approved'"
    ).fetchall()
    assert approvals == [("enforcement2", accounts[Role.ENFORCEMENT])]


def test_an_unapproved_unblur_request_lapses(
    api_settings: ApiSettings,
    accounts: dict[Role, str],
    db: psycopg.Connection[tuple[Any, ...]],
    tmp_path: Path,
) -> None:
    """A request nobody approved in time can no longer be approved (410) and nothing is sent."""
    seed_city(db)
    seed_detection(db, tmp_path, event_id="evt-00000012")
    sender = RecordingSender()
    app = create_app(api_settings, evidence_files=DirectoryEvidence(tmp_path), commands=sender)
    with TestClient(app) as client:
        request_id = _unblur(client, "evt-00000012", login(client, accounts[Role.ENFORCEMENT]))
        db.execute("UPDATE unblur_requests SET expires_at = now() - interval '1 minute'")
        second = _second_officer(client, db)
        answer = client.post(
            f"/api/v1/enforcement/unblur-requests/{request_id}/approve", headers=second
        )
        assert answer.status_code == 410
        assert "verlopen" in answer.json()["detail"]
    assert sender.sent == []


def test_unblurred_originals_are_shown_only_while_the_approval_holds(
    api_settings: ApiSettings,
    accounts: dict[Role, str],
    db: psycopg.Connection[tuple[Any, ...]],
    tmp_path: Path,
) -> None:
    """An uploaded original is served during the approval's window and refused (403) once it expired."""
    seed_city(db)
    seed_detection(db, tmp_path, event_id="evt-00000013")
    files = DirectoryEvidence(tmp_path)
    original = b"unblurred original"
    files.write("evt-00000013", "raw-during.jpg", original)
    db.execute(
        """INSERT INTO evidence_files (event_id, name, kind, withheld, sha256, size_bytes, state)
           VALUES ('evt-00000013', 'raw-during.jpg', 'raw_during', true, %s, %s, 'verified')""",
        (hashlib.sha256(original).hexdigest(), len(original)),
    )
    app = create_app(api_settings, evidence_files=files, commands=RecordingSender())
    url = "/api/v1/enforcement/events/evt-00000013/files/raw-during.jpg"
    with TestClient(app) as client:
        officer = login(client, accounts[Role.ENFORCEMENT])
        assert client.get(url, headers=officer).status_code == 403
        request_id = _unblur(client, "evt-00000013", officer)
        second = _second_officer(client, db)
        client.post(f"/api/v1/enforcement/unblur-requests/{request_id}/approve", headers=second)
        shown = client.get(url, headers=officer)
        assert (shown.status_code, shown.content) == (200, original)
        db.execute("UPDATE unblur_requests SET expires_at = now() - interval '1 second'")
        assert client.get(url, headers=officer).status_code == 403


def test_closing_a_case_sends_the_release_and_a_missed_hold_is_sent_again(
    api_settings: ApiSettings,
    accounts: dict[Role, str],
    db: psycopg.Connection[tuple[Any, ...]],
    tmp_path: Path,
) -> None:
    """A hold the broker did not take stays due and goes out on the next run; closing sends the release."""
    from api.legal_hold import send_pending

    seed_city(db)
    seed_detection(db, tmp_path, event_id="evt-00000014")
    sender = RecordingSender()
    sender.online = False
    app = create_app(api_settings, evidence_files=DirectoryEvidence(tmp_path), commands=sender)
    with TestClient(app) as client:
        officer = login(client, accounts[Role.ENFORCEMENT])
        number = client.post(
            "/api/v1/enforcement/events/evt-00000014/review",
            json={"state": "confirmed"},
            headers=officer,
        ).json()["case_number"]
        assert db.execute("SELECT hold_sent_at FROM enforcement_cases").fetchone() == (None,)
        sender.online = True
        send_pending(conn=db, commands=sender)  # what the retention worker does every interval
        assert send_pending(conn=db, commands=sender) == 0
        assert client.post(f"/api/v1/enforcement/cases/{number}/close", headers=officer).is_success
    holds = [(c["hold"], c["case_number"]) for _, c in sender.sent if c["cmd"] == "legal_hold"]
    assert holds == [(True, number), (False, number)]


def test_an_approved_unblur_request_the_broker_missed_is_sent_again(
    api_settings: ApiSettings,
    accounts: dict[Role, str],
    db: psycopg.Connection[tuple[Any, ...]],
    tmp_path: Path,
) -> None:
    """An approval whose command did not get through goes out on the next run, but not once it expired."""
    from api.legal_hold import send_pending_unblur

    seed_city(db)
    seed_detection(db, tmp_path, event_id="evt-00000015")
    seed_detection(db, tmp_path, event_id="evt-00000016")
    sender = RecordingSender()
    sender.online = False
    app = create_app(api_settings, evidence_files=DirectoryEvidence(tmp_path), commands=sender)
    with TestClient(app) as client:
        officer = login(client, accounts[Role.ENFORCEMENT])
        second = _second_officer(client, db)
        for event_id in ("evt-00000015", "evt-00000016"):
            request_id = _unblur(client, event_id, officer)
            approved = client.post(
                f"/api/v1/enforcement/unblur-requests/{request_id}/approve", headers=second
            ).json()
            assert approved["sent"] is False
    db.execute(
        "UPDATE unblur_requests SET expires_at = now() - interval '1 second'"
        " WHERE event_id = 'evt-00000016'"
    )
    sender.online = True
    send_pending_unblur(conn=db, commands=sender)
    assert send_pending_unblur(conn=db, commands=sender) == 0
    assert [c["event_id"] for _, c in sender.sent] == ["evt-00000015"]


def test_confirming_without_frames_needs_a_written_reason(
    client: TestClient,
    headers: dict[Role, dict[str, str]],
    db: psycopg.Connection[tuple[Any, ...]],
    tmp_path: Path,
) -> None:
    """A detection with no frames on the server is confirmed only with a written reason."""
    seed_city(db)
    seed_detection(db, tmp_path, event_id="evt-noframes-1")
    db.execute("DELETE FROM evidence_files WHERE event_id = 'evt-noframes-1'")
    officer = headers[Role.ENFORCEMENT]
    url = "/api/v1/enforcement/events/evt-noframes-1/review"
    refused = client.post(url, json={"state": "confirmed", "reason": "ja"}, headers=officer)
    assert refused.status_code == 422
    assert refused.json()["fields"] == ["reason"]
    assert refused.json()["message_nl"].startswith("Zonder beelden bevestig je alleen")
    assert db.execute("SELECT count(*) FROM enforcement_cases").fetchone() == (0,)
    reason = "zelf ter plaatse gezien: zes vuilniszakken"
    accepted = client.post(url, json={"state": "confirmed", "reason": reason}, headers=officer)
    assert accepted.status_code == 200
    assert accepted.json()["case_number"].startswith("SLK-")


def test_confirming_with_frames_needs_no_reason(
    client: TestClient,
    headers: dict[Role, dict[str, str]],
    db: psycopg.Connection[tuple[Any, ...]],
    tmp_path: Path,
) -> None:
    """A detection whose blurred frames reached the server can be confirmed without a reason."""
    seed_city(db)
    seed_detection(db, tmp_path, event_id="evt-frames-1")
    response = client.post(
        "/api/v1/enforcement/events/evt-frames-1/review",
        json={"state": "confirmed", "reason": ""},
        headers=headers[Role.ENFORCEMENT],
    )
    assert response.status_code == 200
