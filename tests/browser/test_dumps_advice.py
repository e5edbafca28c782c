"""The coordinator's dump and advice pages in a real browser: use them, read them, axe finds nothing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest

from tests.api.seed import seed_city
from tests.browser.axe import assert_accessible
from tests.browser.conftest import LiveServer, coordinator_on
from tests.helpers import Conn

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def test_a_citizen_report_is_entered_and_followed_on_the_dump_page(
    live_server: LiveServer, browser: Any, db: Conn
) -> None:
    """The coordinator enters a report; it is listed with its due time and waits for the next plan."""
    seed_city(db)
    page = coordinator_on(browser, live_server.url, "/dumps")
    assert page.locator("#summary").inner_text().startswith("0 open")
    assert_accessible(page, "the empty dump page")
    page.fill("#r-label", "Sluikstort Kapel Sint-Anna")
    page.fill("#r-lat", "50.8290")
    page.fill("#r-lon", "3.2660")
    page.fill("#r-note", "zes zakken en een zetel")
    page.click("#new-report button[type=submit]")
    page.wait_for_function(
        "() => document.querySelectorAll('#reports tbody tr[data-state]').length === 1"
    )
    row = page.locator("#reports tbody tr").first
    assert "Sluikstort Kapel Sint-Anna" in row.inner_text()
    assert "wacht op het volgende plan" in row.inner_text()
    assert "burger" in row.inner_text()
    assert page.locator("#message").inner_text().startswith("Bewaard:")
    assert page.locator("#summary").inner_text().startswith("1 open")
    assert_accessible(page, "the dump page with a report")
    page.click("#lang")
    assert page.locator("h1").inner_text() == "Illegal dumping"
    assert "waits for the next plan" in page.locator("#reports tbody tr").first.inner_text()
    assert_accessible(page, "the dump page in English")
    page.context.close()


def test_a_bad_position_is_refused_at_its_field(
    live_server: LiveServer, browser: Any, db: Conn
) -> None:
    """A latitude the browser lets through but the server refuses shows the Dutch message."""
    seed_city(db)
    page = coordinator_on(browser, live_server.url, "/dumps")
    page.evaluate("() => document.getElementById('r-lat').removeAttribute('max')")
    page.fill("#r-lat", "95")
    page.fill("#r-lon", "3.2")
    page.click("#new-report button[type=submit]")
    page.wait_for_function("() => document.getElementById('message').textContent.length > 0")
    assert page.locator("#message").inner_text() != ""
    assert page.locator("#reports tbody tr[data-state]").count() == 0
    page.context.close()


def _sawtooth(db: Conn, bin_id: str, litres_per_day: float, volume: int) -> None:
    now = datetime.now(UTC).replace(minute=0, second=0, microsecond=0)
    rows, level = [], 0.0
    for h in range(14 * 24):
        at = now - timedelta(hours=14 * 24 - h)
        if at.hour == 7:
            level = 0.0
        level += litres_per_day / 24 / volume
        wobble = 0.004 * ((h * 7) % 5 - 2)
        rows.append((f"fs-{bin_id}", bin_id, at, 100 + h, min(max(min(level, 1.0) + wobble, 0), 1)))
    with db.cursor() as cur:
        cur.executemany(
            """INSERT INTO fill_readings (device_id, bin_id, ts, seq, filling_level, quality, status)
               VALUES (%s, %s, %s, %s, %s, 'ok', 'ok')""",
            rows,
        )


def test_the_advice_page_shows_the_hot_bin_its_curve_and_the_failed_sensors(
    live_server: LiveServer, browser: Any, db: Conn
) -> None:
    """The hot bin has its advice and a labelled fill curve; bins without sensor data are listed."""
    seed_city(db)
    db.execute("DELETE FROM fill_readings")
    _sawtooth(db, "kor-001", 300, 120)
    _sawtooth(db, "kor-002", 40, 120)
    page = coordinator_on(browser, live_server.url, "/advice")
    rows = page.locator("#capacity tbody tr")
    assert rows.count() == 1
    assert rows.first.get_attribute("data-bin") == "kor-001"
    chart = rows.first.locator("svg.curve")
    label = chart.get_attribute("aria-label") or ""
    assert label.startswith("Vulcurve van Grote Markt 1: tot 100 % vol")
    assert chart.locator("polyline").count() >= 1
    sensors = page.locator("#sensors tbody tr")
    assert sorted(sensors.evaluate_all("rows => rows.map(r => r.dataset.bin)")) == [
        "hel-001",
        "kor-003",
    ]
    assert "geen sensorgegevens" in page.locator("#sensors").inner_text()
    assert page.locator("#csv").get_attribute("href") == "/api/v1/advice/capacity.csv?interval_h=24"
    assert_accessible(page, "the advice page")
    page.select_option("#interval", "12")
    page.wait_for_function("() => document.getElementById('csv').href.endsWith('interval_h=12')")
    page.context.close()
