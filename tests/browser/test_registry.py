"""The registry page in a real browser: an import with errors, a bin placed on the map, axe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.conftest import LiveServer, log_in
from tests.helpers import Conn

pytestmark = [pytest.mark.browser, pytest.mark.slow]
EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


def _open(browser: Any, live_server: LiveServer, who: str) -> Any:
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    page = context.new_page()
    log_in(page, live_server.url, who)
    if who.startswith("coordinator"):
        page.wait_for_url("**/coordinator")
    else:
        page.wait_for_selector("#admin:not([hidden])")
    page.goto(f"{live_server.url}/registry")
    page.wait_for_selector("body[data-ready=true]")
    return page


def test_an_import_with_errors_shows_the_bad_lines_and_stores_nothing(
    live_server: LiveServer, browser: Any, db: Conn, screenshots: Path
) -> None:
    """The report lists each bad line and field in Dutch; no bin is stored; axe finds nothing."""
    page = _open(browser, live_server, "coordinator1")
    assert page.locator("h1").inner_text() == "Register"
    page.set_input_files("#import-file", str(EXAMPLES / "bins-with-errors.csv"))
    page.get_by_role("button", name="Importeren").click()
    page.wait_for_selector("#import-report:not([hidden])")
    rows = page.locator("#import-report tbody tr")
    assert rows.count() == 7
    cells = [rows.nth(i).locator("td").all_inner_texts() for i in range(rows.count())]
    assert cells[0] == [
        "3",
        "container_type",
        "moet een van street_bin, underground, glass, dog_waste, cigarette zijn",
    ]
    assert ["4", "district", "ontbreekt"] in cells
    assert "niets opgeslagen" in page.locator("#import-result").inner_text()
    assert db.execute("SELECT count(*) FROM bins").fetchone() == (0,)
    page.screenshot(path=str(screenshots / "registry-import-errors.png"), full_page=True)
    assert_accessible(page, "the registry page with an import report")

    page.set_input_files("#import-file", str(EXAMPLES / "bins.csv"))
    page.get_by_role("button", name="Importeren").click()
    page.wait_for_function(
        "() => document.querySelector('#import-result').textContent.includes('5 toegevoegd')"
    )
    assert page.locator("#import-report").is_hidden()
    page.wait_for_function("() => document.querySelectorAll('#bin-table tbody tr').length === 5")
    assert db.execute("SELECT count(*) FROM bins").fetchone() == (5,)

    page.get_by_label("Wat").select_option("sensors")
    page.set_input_files("#import-file", str(EXAMPLES / "sensors.csv"))
    page.get_by_role("button", name="Importeren").click()
    page.wait_for_function(
        "() => document.querySelectorAll('#sensor-history tbody tr').length === 4"
    )
    assert (
        page.locator("#bin-table tbody tr").first.locator("td").nth(5).inner_text() == "fs-hel-101"
    )


def test_the_registry_speaks_english_second(live_server: LiveServer, browser: Any) -> None:
    """The language button turns headings, labels and table headers to English, then back."""
    page = _open(browser, live_server, "coordinator1")
    page.locator("#lang").click()
    assert page.locator("h1").inner_text() == "Registry"
    assert page.locator("#bin-form").get_by_label("District").count() == 1
    assert page.locator("#ed-vehicles-table th").first.inner_text() == "Id"
    assert page.locator("#ed-vehicles-table tbody td").nth(2).inner_text() == "compactor"
    assert page.evaluate("() => document.documentElement.lang") == "en"
    page.locator("#lang").click()
    assert page.locator("#ed-vehicles-table tbody td").nth(2).inner_text() == "perswagen"


def test_a_bin_placed_on_the_map_is_stored_where_it_was_clicked(
    live_server: LiveServer, browser: Any, db: Conn
) -> None:
    """A wrong volume is shown at its field; a click on the map sets the place; the bin is saved."""
    page = _open(browser, live_server, "admin1")
    form = page.locator("#bin-form")
    form.get_by_label("Id").fill("kor-777")
    form.get_by_label("Naam").fill("Houtmarkt")
    form.get_by_label("Deelgemeente").fill("Centrum")
    form.get_by_label("Volume (l)").fill("0")
    form.get_by_label("Diepte (mm)").fill("900")
    box = page.locator("#bin-map").bounding_box()
    page.mouse.click(box["x"] + box["width"] / 2 + 40, box["y"] + box["height"] / 2 - 30)
    lat = float(form.get_by_label("Breedtegraad").input_value())
    lon = float(form.get_by_label("Lengtegraad").input_value())
    assert 50.80 < lat < 50.86
    assert 3.24 < lon < 3.29
    form.get_by_role("button", name="Opslaan").click()
    error = page.locator("#binf-volume_l-err")
    error.wait_for(state="visible")
    assert error.inner_text() == "moet tussen 1 en 100000 liggen"
    assert form.get_by_label("Volume (l)").get_attribute("aria-invalid") == "true"
    assert_accessible(page, "the registry page with a field error")
    form.get_by_label("Volume (l)").fill("120")
    form.get_by_role("button", name="Opslaan").click()
    page.wait_for_function(
        "() => document.querySelector('#message').textContent.includes('kor-777')"
    )
    stored = db.execute("SELECT lat, lon, volume_l FROM bins WHERE id = 'kor-777'").fetchone()
    assert stored is not None
    assert (round(stored[0], 5), round(stored[1], 5), stored[2]) == (
        round(lat, 5),
        round(lon, 5),
        120,
    )
    entry = db.execute(
        "SELECT username FROM audit_log WHERE action = 'registry.create' AND object_id = 'kor-777'"
    ).fetchone()
    assert entry == ("admin1",)
