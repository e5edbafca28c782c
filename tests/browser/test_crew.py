"""The crew's route sheet in a real browser: a phone that loses its signal."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import psycopg
import pytest

from api.route_sheet import today_in_brussels
from tests.api.seed import PIXEL_PNG, seed_city, seed_plan
from tests.browser.conftest import LiveServer, log_in
from tests.helpers import poll

pytestmark = [pytest.mark.browser, pytest.mark.slow]
ANDROID = (
    "Mozilla/5.0 (Linux; Android 14; Pixel 8) AppleWebKit/537.36 (KHTML, like Gecko) "
    "Chrome/126.0.0.0 Mobile Safari/537.36"
)


def _count(db: psycopg.Connection[tuple[Any, ...]], sql: str) -> int:
    row = db.execute(sql).fetchone()
    assert row is not None
    return int(row[0])


def test_crew_marks_stops_offline_and_the_outbox_syncs_once(
    live_server: LiveServer,
    browser: Any,
    db: psycopg.Connection[tuple[Any, ...]],
    screenshots: Path,
    tmp_path: Path,
) -> None:
    """Stops marked while offline wait in the outbox and reach the server exactly once when online."""
    seed_city(db)
    seed_plan(db, vehicle_id="veh-1")
    context = browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": 50.8281, "longitude": 3.2651},
        permissions=["geolocation"],
        service_workers="allow",
        user_agent=ANDROID,
    )
    page = context.new_page()
    log_in(page, live_server.url, "crew1")
    page.wait_for_url("**/crew")
    page.wait_for_selector("li.stop >> nth=2")
    assert page.locator("html").get_attribute("lang") == "nl-BE"
    assert "3 haltes" in page.locator("#summary").inner_text()
    assert (
        page.locator("li.stop")
        .first.locator("a", has_text="Navigeer")
        .get_attribute("href")
        .startswith("geo:")
    )
    # The box is None until the first layout after the sheet arrives; a busy machine shows it.
    first_button = page.locator("li.stop button", has_text="Geledigd").first
    button_box = poll(first_button.bounding_box, what="the first stop's button laid out")
    assert button_box["height"] >= 48, "touch targets must be large"
    page.screenshot(path=str(screenshots / "crew-route-sheet.png"), full_page=True)

    # online: the first stop is emptied and stored at once
    page.locator("li.stop").nth(0).locator("button", has_text="Geledigd").click()
    page.click("dialog button[data-fill=half]")
    poll(lambda: _count(db, "SELECT count(*) FROM stop_actions") == 1, what="the online action")

    # the signal drops: two more stops and a problem report wait on the phone
    context.set_offline(True)
    page.wait_for_function("() => !navigator.onLine")
    page.locator("li.stop").nth(1).locator("button", has_text="Geledigd").click()
    page.click("dialog button[data-fill=overflowing]")
    page.locator("li.stop").nth(2).locator("button", has_text="Overslaan").click()
    page.click("dialog button[data-reason=blocked]")
    page.locator("li.stop").nth(2).locator("button", has_text="Probleem melden").click()
    page.select_option("dialog select[name=kind]", "damage")
    page.fill("dialog textarea[name=note]", "deksel kapot")
    photo = tmp_path / "deksel.png"
    photo.write_bytes(PIXEL_PNG)
    page.set_input_files("dialog input[type=file]", str(photo))
    page.click("#send-problem")
    page.wait_for_function("() => document.getElementById('pending').dataset.count === '3'")
    assert "Offline" in page.locator("#connection").inner_text()
    assert not page.locator("#changed").is_visible(), "no plan change has happened yet"
    assert page.locator("li.stop.done").count() == 2
    assert _count(db, "SELECT count(*) FROM stop_actions") == 1
    page.screenshot(path=str(screenshots / "crew-offline.png"), full_page=True)

    # the page reloads without signal: the service worker and the cached sheet keep it usable
    page.reload()
    page.wait_for_selector("li.stop >> nth=2")
    # the queued actions are read back from IndexedDB after the sheet is drawn: wait for them
    page.wait_for_function("() => document.querySelectorAll('li.stop.done').length === 2")
    assert page.locator("li.stop.done").count() == 2

    # back online: the queue drains, nothing is stored twice
    context.set_offline(False)
    poll(lambda: _count(db, "SELECT count(*) FROM stop_actions") == 3, what="the queued actions")
    poll(lambda: _count(db, "SELECT count(*) FROM problem_reports") == 1, what="the queued report")
    page.wait_for_function("() => document.getElementById('pending').dataset.count === '0'")
    page.evaluate("() => Outbox.sync()")
    assert _count(db, "SELECT count(*) FROM stop_actions") == 3
    row = db.execute(
        "SELECT kind, note, lat IS NOT NULL, photo_sha256 IS NOT NULL FROM problem_reports"
    ).fetchone()
    assert row == ("damage", "deksel kapot", True, True)
    fills = dict(
        db.execute("SELECT stop_ref, coalesce(fill_seen, skip_reason) FROM stop_actions").fetchall()
    )
    assert fills == {"bin:kor-001": "half", "bin:kor-002": "overflowing", "bin:kor-003": "blocked"}

    # the plan changes during the day: a new stop appears with a notice
    db.execute(
        """INSERT INTO extra_stops (service_date, kind, label, lat, lon, created_by)
           VALUES (%s, 'dump', 'Sluikstort Heule', 50.84, 3.24, 'coordinator1')""",
        (today_in_brussels(),),
    )
    page.evaluate("() => refresh()")
    page.wait_for_selector("#changed", state="visible")
    assert page.locator("li.stop.added").inner_text().count("Sluikstort Heule") == 1

    # English on request, printable sheet
    page.click("#lang")
    assert page.locator("h1").inner_text() == "Route sheet"
    page.emulate_media(media="print")
    assert page.locator("#print-sheet").is_visible()
    assert not page.locator("#map").is_visible()
    page.screenshot(path=str(screenshots / "crew-print.png"), full_page=True)
    context.close()
