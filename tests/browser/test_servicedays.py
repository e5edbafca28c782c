"""The coordinator's service-days page in a real browser: change an area, see who is left out."""

from __future__ import annotations

from typing import Any

import pytest

from db import servicedays as rows
from tests.api.seed import seed_city
from tests.browser.axe import assert_accessible
from tests.browser.conftest import LiveServer, coordinator_on
from tests.helpers import Conn

pytestmark = [pytest.mark.browser, pytest.mark.slow]
CENTRUM_STREET = "#days tbody tr[data-key='street/Centrum']"


def _wait_for_message(page: Any, start: str) -> None:
    """Wait until the page's message line begins with ``start``."""
    page.wait_for_function(
        "start => document.getElementById('message').textContent.startsWith(start)", arg=start
    )


def test_unticking_every_day_of_an_area_is_saved_and_names_the_bins_left_out(
    live_server: LiveServer, browser: Any, db: Conn
) -> None:
    """Centrum's street crew set to no days is stored by the coordinator and both its bins are listed."""
    seed_city(db)
    page = coordinator_on(browser, live_server.url, "/servicedays")
    assert page.locator("#days tbody tr").count() == 3
    assert page.locator("#warnings").is_hidden()
    assert_accessible(page, "the service-days page")
    row = page.locator(CENTRUM_STREET)
    for box in row.locator("input[type=checkbox]").all():
        box.uncheck()
    row.locator("button").click()
    _wait_for_message(page, "Bewaard")
    assert "2 bakken hebben geen ophaaldag meer" in page.locator("#message").inner_text()
    listed = page.locator("#unserved li").evaluate_all("items => items.map(i => i.dataset.bin)")
    assert listed == ["kor-001", "kor-002"]
    assert [(r.area, r.weekdays, r.updated_by) for r in rows.all_rows(conn=db)] == [
        ("Centrum", [], "coordinator1")
    ]
    assert_accessible(page, "the service-days page with a warning")
    page.context.close()


def test_a_tick_not_saved_yet_survives_a_language_switch(
    live_server: LiveServer, browser: Any, db: Conn
) -> None:
    """Unticking Sunday, then switching to English, keeps Sunday unticked; saving stores Monday to Saturday."""
    seed_city(db)
    page = coordinator_on(browser, live_server.url, "/servicedays")
    page.locator(f"{CENTRUM_STREET} input[value='6']").uncheck()
    page.click("#lang")
    assert page.locator("h1").inner_text() == "Service days"
    assert not page.locator(f"{CENTRUM_STREET} input[value='6']").is_checked()
    page.locator(f"{CENTRUM_STREET} button").click()
    _wait_for_message(page, "Saved")
    assert [r.weekdays for r in rows.all_rows(conn=db)] == [[0, 1, 2, 3, 4, 5]]
    page.context.close()


def test_the_proposal_is_shown_beside_the_current_days_and_taken_over(
    live_server: LiveServer, browser: Any, db: Conn
) -> None:
    """The proposal lists every area with its current days; taking it over stores it for each area."""
    seed_city(db)
    page = coordinator_on(browser, live_server.url, "/servicedays")
    page.click("#propose")
    page.wait_for_selector("#proposal:not([hidden]) tbody tr")
    keys = page.locator("#proposal tbody tr").evaluate_all("rows => rows.map(r => r.dataset.key)")
    assert sorted(keys) == ["crane/Centrum", "crane/Heule", "street/Centrum"]
    assert rows.all_rows(conn=db) == []
    assert_accessible(page, "the service-days page with a proposal")
    page.click("#take")
    _wait_for_message(page, "Voorstel overgenomen")
    assert sorted(f"{r.service}/{r.area}" for r in rows.all_rows(conn=db)) == sorted(keys)
    assert page.locator("#proposal").is_hidden()
    page.context.close()
