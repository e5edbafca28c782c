"""Coordinators' and enforcement officers' main flows in a real browser."""

from __future__ import annotations

import io
import json
import zipfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest

from db.migrate import uses_timescale
from tests.api.seed import seed_city, seed_detection, seed_plan
from tests.browser.conftest import LiveServer, log_in
from tests.helpers import Conn, poll

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _history(db: Conn) -> None:
    """A year of daily fill for one bin, a collection, an overflow, abuse and a fire alarm."""
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    days = [now - timedelta(days=d) for d in range(1, 366)]
    with db.cursor() as cur:
        cur.executemany(
            """INSERT INTO fill_readings (device_id, bin_id, ts, seq, filling_level, quality, status)
               VALUES ('fs-kor-001', 'kor-001', %s, %s, %s, 'ok', 'ok')""",
            [(ts, 10 + i, (i % 7) / 7) for i, ts in enumerate(days)],
        )
        if not uses_timescale(db):
            cur.executemany(
                """INSERT INTO fill_daily (bin_id, bucket, readings, fill_n, fill_sum, fill_min,
                                           fill_max)
                   VALUES ('kor-001', date_trunc('day', %s::timestamptz), 1, 1, %s, %s, %s)""",
                [(ts, (i % 7) / 7, (i % 7) / 7, (i % 7) / 7) for i, ts in enumerate(days)],
            )
    user_id = db.execute("SELECT id FROM users WHERE role = 'crew'").fetchone()[0]  # type: ignore[index]  # the fixture made one
    db.execute(
        """INSERT INTO stop_actions (client_key, user_id, vehicle_id, service_date, stop_ref, bin_id,
                                    action, fill_seen, acted_at)
           VALUES (gen_random_uuid(), %s, 'veh-1', current_date, 'bin:kor-001', 'kor-001', 'done',
                   'full', now() - interval '1 hour')""",
        (user_id,),
    )
    db.execute(
        """INSERT INTO bin_events (bin_id, device_id, kind, started_at, ended_at, fill_before)
           VALUES ('kor-002', 'fs-kor-002', 'overflow', now() - interval '5 hours',
                   now() - interval '2 hours', 1.0),
                  ('kor-003', 'fs-kor-003', 'abuse', now() - interval '3 hours', NULL, 0.2)"""
    )
    db.execute(
        """INSERT INTO alerts (device_id, bin_id, kind, severity, observed_at, detail)
           VALUES ('fs-kor-002', 'kor-002', 'fire', 'critical', now(), 'temperatuur 71 °C')"""
    )


def test_coordinator_map_trends_figures_exports_thresholds(
    live_server: LiveServer, browser: Any, db: Conn, screenshots: Path
) -> None:
    """A coordinator sees the coloured map, a bin's year trend, the figures, exports and thresholds."""
    seed_city(db)
    seed_plan(db)
    _history(db)
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    log_in(page, live_server.url, "coordinator1")
    page.wait_for_url("**/coordinator")
    page.wait_for_selector("body[data-ready=true]")
    assert page.locator("h1").inner_text() == "Coördinatie"
    assert page.locator("#map path.leaflet-interactive").count() == 4
    assert page.locator("#kpis th").first.inner_text() == "Periode"
    assert page.locator("#kpis tbody tr").count() >= 1
    assert "brand" in page.locator("#alerts").inner_text()
    assert page.locator("#plan tbody tr").count() == 1

    page.locator("#map path.leaflet-interactive").nth(1).click(
        force=True
    )  # bins in id order: kor-001 is second
    page.wait_for_function(
        "() => document.getElementById('trend-title').textContent.includes('Grote Markt 1')"
    )
    points = page.evaluate("() => Chart.getChart('trend').data.labels.length")
    assert points >= 360, "a year of daily buckets"

    page.click("#period button[data-period=month]")
    page.wait_for_function("() => document.getElementById('csv').href.includes('period=month')")
    csv = page.request.get(live_server.url + (page.locator("#csv").get_attribute("href") or ""))
    assert csv.headers["content-type"].startswith("text/csv")
    assert csv.text().splitlines()[0].startswith("period_start,collections_done")
    ngsi = page.request.get(f"{live_server.url}/api/v1/coordinator/ngsi-ld/waste-containers")
    entities = json.loads(ngsi.text())
    assert {e["type"] for e in entities} == {"WasteContainer"}
    burning = next(e for e in entities if e["id"].endswith("kor-002"))
    assert burning["status"]["value"] == "burning"

    row = page.locator("#thresholds tr", has_text="glasbol")
    row.locator("input").fill("70")
    row.locator("button").click()
    poll(
        lambda: db.execute(
            "SELECT threshold FROM container_thresholds WHERE container_type = 'glass'"
        ).fetchone(),
        what="the threshold to be stored",
    )
    page.screenshot(path=str(screenshots / "coordinator.png"), full_page=True)
    page.click("#lang")
    assert page.locator("h1").inner_text() == "Coordination"
    page.screenshot(path=str(screenshots / "coordinator-en.png"), full_page=True)
    context.close()


def test_enforcement_reviews_confirms_exports_and_requests_unblur(
    live_server: LiveServer, browser: Any, db: Conn, screenshots: Path
) -> None:
    """An officer sees blurred evidence, confirms into a case with a verified bundle, dismisses with a reason."""
    seed_city(db)
    seed_detection(db, live_server.evidence_dir, event_id="evt-browser-01", minutes_ago=20)
    seed_detection(db, live_server.evidence_dir, event_id="evt-browser-02", minutes_ago=40)
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    page = context.new_page()

    # a crew account cannot open the enforcement page
    log_in(page, live_server.url, "crew1")
    page.wait_for_url("**/crew")
    page.goto(f"{live_server.url}/enforcement")
    page.wait_for_url("**/crew")
    page.close()  # its polling must not race the next login with a redirect of its own
    context.clear_cookies()
    page = context.new_page()

    log_in(page, live_server.url, "enforcement1")
    page.wait_for_url("**/enforcement")
    page.wait_for_selector("body[data-ready=true]")
    assert page.locator("#states button[data-state=new]").inner_text() == "Nieuw (2)"
    page.locator("#queue tbody tr").first.click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('#evidence img')].filter(i => i.naturalWidth > 0).length === 2"
    )
    evidence_only = "SELECT action FROM audit_log WHERE object_type <> 'user' ORDER BY id"
    audit = [r[0] for r in db.execute(evidence_only).fetchall()]
    assert audit == ["view", "view_file", "view_file"]
    page.screenshot(path=str(screenshots / "enforcement-detail.png"), full_page=True)

    page.fill("#reason", "afvalzakken naast de glasbol achtergelaten")
    page.click("#confirm")
    page.wait_for_function(
        "() => document.getElementById('detail-message').textContent.includes('SLK-')"
    )
    case_number = db.execute("SELECT case_number FROM enforcement_cases").fetchone()[0]  # type: ignore[index]  # just created
    assert db.execute(
        "SELECT count(*) FROM extra_stops WHERE event_id = 'evt-browser-01'"
    ).fetchone() == (1,)
    bundle = page.request.get(
        live_server.url + (page.locator("#bundle").get_attribute("href") or "")
    )
    archive = zipfile.ZipFile(io.BytesIO(bundle.body()))
    assert json.loads(archive.read("verification.json"))["all_verified"] is True
    assert archive.getinfo("audit_trail.csv").file_size > 0

    page.fill("#reason", "bestuurder identificeren voor het proces-verbaal")
    page.click("#unblur")
    page.wait_for_function(
        "() => document.getElementById('detail-message').textContent.includes('Aanvraag')"
    )
    # the case's legal hold went to the camera; the unblur request waits for a second officer
    assert [c["cmd"] for _, c in live_server.commands] == ["legal_hold"]
    assert db.execute("SELECT count(*) FROM unblur_requests").fetchone() == (1,)
    assert page.locator("#unblur-approvals tbody tr button.approve").count() == 0  # own request

    page.click("#states button[data-state=new]")
    page.wait_for_function("() => document.querySelectorAll('#queue tbody tr').length === 1")
    page.locator("#queue tbody tr").first.click()
    page.wait_for_function("() => document.getElementById('detail-title').textContent.length > 0")
    page.fill("#reason", "")
    page.click("#dismiss")
    assert page.locator("#reason-error").inner_text() == "Geef een reden op."
    assert page.locator("#reason").get_attribute("aria-invalid") == "true"
    page.fill("#reason", "een vogel op de glasbol")
    page.click("#dismiss")
    page.wait_for_function(
        "() => document.querySelector('#cameras tbody td:last-child')?.textContent === '50 %'"
    )
    states: dict[str, str] = dict(
        db.execute("SELECT event_id, review_state FROM dumping_events").fetchall()
    )
    assert states == {"evt-browser-01": "confirmed", "evt-browser-02": "dismissed"}
    page.wait_for_function(
        "() => document.getElementById('detail-meta').textContent.includes('Afgewezen')"
    )
    actions = {r[0] for r in db.execute("SELECT action FROM audit_log").fetchall()}
    assert {"view", "view_file", "confirmed", "export", "unblur_request", "dismissed"} <= actions
    assert case_number.startswith("SLK-")
    page.screenshot(path=str(screenshots / "enforcement.png"), full_page=True)
    context.close()
