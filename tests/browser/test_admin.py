"""The admin page in a real browser: a user's whole life, seen in the audit log; axe."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

from tests.browser.axe import assert_accessible
from tests.browser.conftest import LiveServer, log_in
from tests.helpers import Conn

pytestmark = [pytest.mark.browser, pytest.mark.slow]


def _row(page: Any, username: str) -> Any:
    return page.locator("#user-table tbody tr", has=page.locator(f"td:text-is('{username}')"))


def test_admin_creates_changes_disables_and_resets_a_user_and_sees_it_audited(
    live_server: LiveServer, browser: Any, db: Conn, screenshots: Path
) -> None:
    """Create, change role, disable, reset password: each is in the audit log, in Dutch."""
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    page = context.new_page()
    log_in(page, live_server.url, "admin1")
    page.get_by_role("link", name="Gebruikers en auditlog").click()
    page.wait_for_url("**/admin")
    page.wait_for_selector("body[data-ready=true]")
    assert page.locator("h1").inner_text() == "Beheer"

    form = page.locator("#user-form")
    form.get_by_label("Gebruikersnaam").fill("jan")
    form.get_by_label("Naam", exact=True).fill("Jan Peeters")
    form.get_by_label("Rol").select_option("crew")
    form.get_by_label("Voertuig (voor een ploeg)").fill("veh-1")
    form.get_by_role("button", name="Opslaan").click()
    secret = page.locator("#new-password")
    secret.wait_for(state="visible")
    assert secret.inner_text().startswith("Nieuw wachtwoord voor jan")
    _row(page, "jan").wait_for()
    assert _row(page, "jan").locator("td").nth(2).inner_text() == "ploeg"

    _row(page, "jan").get_by_role("button", name="Wijzigen").click()
    form.get_by_label("Rol").select_option("coordinator")
    form.get_by_role("button", name="Opslaan").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('#user-table td')].some(td => td.textContent === 'coördinator')"
    )

    _row(page, "jan").get_by_role("button", name="Uitschakelen").click()
    _row(page, "jan").get_by_role("button", name="Inschakelen").wait_for()
    assert db.execute("SELECT active FROM users WHERE username = 'jan'").fetchone() == (False,)

    first = secret.inner_text()
    _row(page, "jan").get_by_role("button", name="Wachtwoord resetten").click()
    page.wait_for_function(
        "old => document.querySelector('#new-password').textContent !== old", arg=first
    )
    password = secret.inner_text().rsplit(": ", 1)[1]
    _row(page, "jan").get_by_role("button", name="Inschakelen").click()
    _row(page, "jan").get_by_role("button", name="Uitschakelen").wait_for()

    page.get_by_label("Soort").select_option("user.")
    page.get_by_role("button", name="Filteren").click()
    page.wait_for_function(
        "() => [...document.querySelectorAll('#audit-table tbody tr')].length === 5"
    )
    actions = page.locator("#audit-table tbody tr td:nth-child(3)").all_inner_texts()
    assert actions == [
        "user.enable",
        "user.password_reset",
        "user.disable",
        "user.update",
        "user.create",
    ]
    assert set(page.locator("#audit-table tbody tr td:nth-child(4)").all_inner_texts()) == {
        "user jan"
    }
    assert "/api/v1/admin/audit.csv?action=user." in page.locator("#audit-csv").get_attribute(
        "href"
    )
    page.screenshot(path=str(screenshots / "admin-users-audit.png"), full_page=True)
    assert_accessible(page, "the admin page")

    other = browser.new_context().new_page()
    other.goto(f"{live_server.url}/login")
    other.fill("input[name=username]", "jan")
    other.fill("input[name=password]", password)
    other.click("button[type=submit]")
    other.wait_for_url("**/coordinator")
