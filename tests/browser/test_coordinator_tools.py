"""The coordinator's and officer's daily tools in a real browser: find, choose, read, use the keyboard."""

from __future__ import annotations

from typing import Any

import pytest
from psycopg.types.json import Jsonb

from tests.api.seed import seed_city, seed_detection, seed_plan
from tests.browser.conftest import LiveServer, log_in
from tests.helpers import Conn

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _coordinator(browser: Any, base: str) -> Any:
    page = browser.new_context(viewport={"width": 1400, "height": 1000}).new_page()
    log_in(page, base, "coordinator1")
    page.wait_for_selector("body[data-ready=true]")
    return page


def test_bins_are_found_by_name_and_open_their_trend(
    live_server: LiveServer, browser: Any, db: Conn
) -> None:
    """Searching the bin list narrows it by name or district; a found bin opens its trend."""
    seed_city(db)
    page = _coordinator(browser, live_server.url)
    assert page.locator("#bin-count").inner_text() == "4 van 4 vuilbakken"
    page.fill("#bin-search", "heule")
    page.wait_for_function("() => document.querySelectorAll('#bin-list tbody tr').length === 1")
    assert page.locator("#bin-list tbody").inner_text().startswith("Heule Dorp")
    page.click("#bin-list button[data-bin=hel-001]")
    page.wait_for_function(
        "() => document.getElementById('trend-title').textContent.includes('Heule Dorp')"
    )
    page.context.close()


def test_the_area_trend_offers_every_district(
    live_server: LiveServer, browser: Any, db: Conn
) -> None:
    """The district picker lists every district of the city, with 'all districts' first."""
    seed_city(db)
    page = _coordinator(browser, live_server.url)
    options = page.locator("#district-pick option").all_inner_texts()
    assert options == ["Alle deelgemeenten", "Centrum", "Heule"]
    page.select_option("#district-pick", "Heule")
    assert page.locator("#district-pick").input_value() == "Heule"
    page.context.close()


def test_a_bad_threshold_is_shown_at_its_field_and_not_saved(
    live_server: LiveServer, browser: Any, db: Conn
) -> None:
    """A threshold outside 5-100 % gets a Dutch message next to the input and changes nothing."""
    seed_city(db)
    page = _coordinator(browser, live_server.url)
    row = page.locator("#thresholds tr", has=page.locator("#threshold-glass"))
    page.fill("#threshold-glass", "0")
    row.locator("button").click()
    assert (
        page.locator("#threshold-glass-error").inner_text() == "Geef een drempel tussen 5 en 100 %."
    )
    assert page.locator("#threshold-glass").get_attribute("aria-invalid") == "true"
    assert db.execute("SELECT count(*) FROM container_thresholds").fetchone() == (0,)
    page.context.close()


def test_unplanned_bins_show_reasons_in_words_without_solver_numbers(
    live_server: LiveServer, browser: Any, db: Conn
) -> None:
    """The planner's English reason is shown in Dutch words, its own Dutch text when it gives one."""
    seed_city(db)
    seed_plan(db)
    db.execute(
        """INSERT INTO plan_unplanned (plan_id, ref, name, must_visit, penalty, reason)
           SELECT id, 'hel-001', 'Heule Dorp', false, 48213,
                  'optional and left out: serving it would cost more than its penalty (48213) '
                  || 'with the fleet''s remaining capacity and time'
           FROM plans"""
    )
    page = _coordinator(browser, live_server.url)
    item = page.locator("#unplanned li").first.inner_text()
    assert item.startswith("Heule Dorp: Niet dringend en weggelaten")
    assert "48213" not in item
    assert "penalty" not in item
    page.context.close()


def test_the_queue_works_from_the_keyboard_and_frames_are_in_time_order(
    live_server: LiveServer, browser: Any, db: Conn
) -> None:
    """Arrow keys and Enter open a detection; its frames show before, during, after."""
    seed_city(db)
    seed_detection(db, live_server.evidence_dir, event_id="evt-keys-01", minutes_ago=5)
    seed_detection(db, live_server.evidence_dir, event_id="evt-keys-02", minutes_ago=50)
    # the camera listed its files out of time order
    files = db.execute("SELECT files FROM dumping_events WHERE event_id = 'evt-keys-02'").fetchone()
    assert files is not None
    db.execute(
        "UPDATE dumping_events SET files = %s WHERE event_id = 'evt-keys-02'",
        (Jsonb(list(reversed(files[0]))),),
    )
    page = browser.new_context(viewport={"width": 1300, "height": 1000}).new_page()
    log_in(page, live_server.url, "enforcement1")
    page.wait_for_selector("body[data-ready=true]")
    page.locator("#queue button.row-open").first.focus()
    page.keyboard.press("ArrowDown")
    assert page.evaluate("() => document.activeElement.dataset.event") == "evt-keys-02"
    page.keyboard.press("Enter")
    page.wait_for_function(
        "() => [...document.querySelectorAll('#evidence img')].filter(i => i.naturalWidth > 0).length === 2"
    )
    assert page.evaluate("() => document.activeElement.id") == "detail-title"
    kinds = page.locator("#evidence figure").evaluate_all("(fs) => fs.map((f) => f.dataset.kind)")
    assert kinds == ["frame_before", "frame_during"]
    assert page.locator("#evidence figcaption").first.inner_text().startswith("Vóór")
    page.context.close()


def test_todays_routes_are_drawn_on_the_map(
    live_server: LiveServer, browser: Any, db: Conn
) -> None:
    """With a plan for today, each vehicle's route is a line on the map (straight without OSRM)."""
    seed_city(db)
    seed_plan(db)
    page = _coordinator(browser, live_server.url)
    page.wait_for_function(
        "() => document.querySelectorAll('#map path[stroke-dasharray]').length === 1"
    )
    assert page.locator("#map path.leaflet-interactive").count() == 4, "bins stay clickable"
    page.context.close()
