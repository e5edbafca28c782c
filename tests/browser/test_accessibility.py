"""axe-core on every page of the web app, as each role uses it: no critical, no serious fault."""

from __future__ import annotations

from typing import Any

import pytest

from tests.api.seed import seed_city, seed_detection, seed_plan
from tests.browser.axe import assert_accessible
from tests.browser.conftest import LiveServer, log_in
from tests.helpers import Conn

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _page(browser: Any, **options: Any) -> Any:
    context = browser.new_context(viewport={"width": 1280, "height": 900}, **options)
    return context.new_page()


def test_login_page_is_accessible(live_server: LiveServer, browser: Any) -> None:
    """The login page, in Dutch and after switching to English, has no serious axe finding."""
    page = _page(browser)
    page.goto(f"{live_server.url}/login")
    assert_accessible(page)
    page.click("#lang")
    assert page.locator("h2").inner_text() == "Log in"
    assert_accessible(page)
    page.context.close()


def test_admin_start_page_is_accessible(live_server: LiveServer, browser: Any) -> None:
    """The start page an administrator lands on has no serious axe finding."""
    page = _page(browser)
    log_in(page, live_server.url, "admin1")
    page.wait_for_selector("#admin:not([hidden])")
    assert_accessible(page)
    page.context.close()


def test_crew_sheet_is_accessible(live_server: LiveServer, browser: Any, db: Conn) -> None:
    """The crew's sheet with stops, a done stop and the problem dialog has no serious axe finding."""
    seed_city(db)
    seed_plan(db, vehicle_id="veh-1")
    page = _page(browser, is_mobile=True, has_touch=True)
    page.set_viewport_size({"width": 390, "height": 844})
    log_in(page, live_server.url, "crew1")
    page.wait_for_selector("li.stop >> nth=2")
    page.locator("li.stop").nth(0).locator("button", has_text="Geledigd").click()
    page.click("dialog button[data-fill=half]")
    page.wait_for_selector("li.stop.done")
    assert_accessible(page)
    page.locator("#report").click()
    page.wait_for_selector("dialog[open]")
    assert_accessible(page)
    page.context.close()


def test_coordinator_page_is_accessible(live_server: LiveServer, browser: Any, db: Conn) -> None:
    """The coordinator's page with map, figures, planning and a threshold error has no serious finding."""
    seed_city(db)
    seed_plan(db)
    page = _page(browser)
    log_in(page, live_server.url, "coordinator1")
    page.wait_for_selector("body[data-ready=true]")
    page.fill("#threshold-street_bin", "300")
    page.locator("#thresholds tr", has=page.locator("#threshold-street_bin")).locator(
        "button"
    ).click()
    page.wait_for_selector("#threshold-street_bin-error")
    assert_accessible(page)
    page.context.close()


def test_enforcement_page_is_accessible(live_server: LiveServer, browser: Any, db: Conn) -> None:
    """The enforcement queue with a detection and its frames open has no serious axe finding."""
    seed_city(db)
    seed_detection(db, live_server.evidence_dir, event_id="evt-axe-01", minutes_ago=10)
    page = _page(browser)
    log_in(page, live_server.url, "enforcement1")
    page.wait_for_selector("body[data-ready=true]")
    page.locator("#queue button.row-open").first.click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('#evidence img')].some(i => i.naturalWidth > 0)"
    )
    assert_accessible(page)
    page.context.close()
