"""A second officer approves an unblur request on the enforcement page; only then does the camera hear of it."""

from __future__ import annotations

from typing import Any

from api.auth import Role, create_user
from tests.api.conftest import PASSWORD
from tests.api.seed import seed_city, seed_detection
from tests.browser.conftest import LiveServer, log_in
from tests.helpers import Conn, poll


def test_a_second_officer_approves_an_unblur_request_in_the_browser(
    live_server: LiveServer, browser: Any, db: Conn
) -> None:
    """The request of enforcement1 shows an approve button to enforcement2, whose click sends the command and is audited."""
    seed_city(db)
    seed_detection(db, live_server.evidence_dir, event_id="evt-browser-07", minutes_ago=20)
    create_user(conn=db, username="enforcement2", password=PASSWORD, role=Role.ENFORCEMENT)
    db.execute(
        """INSERT INTO unblur_requests (event_id, device_id, user_id, reason)
           SELECT 'evt-browser-07', 'cam-heule-1', id, 'bestuurder identificeren'
           FROM users WHERE username = 'enforcement1'"""
    )
    context = browser.new_context(viewport={"width": 1300, "height": 1000})
    page = context.new_page()
    log_in(page, live_server.url, "enforcement2")
    page.wait_for_url("**/enforcement")
    page.wait_for_selector("body[data-ready=true]")
    row = page.locator("#unblur-approvals tbody tr")
    assert row.count() == 1
    assert "bestuurder identificeren" in row.inner_text()
    page.click("#unblur-approvals button.approve")
    page.wait_for_function(
        "() => document.getElementById('approval-message').textContent.includes('goedgekeurd')"
    )
    poll(lambda: live_server.commands, timeout=10, what="the command to the camera")
    assert [c["cmd"] for _, c in live_server.commands] == ["upload_unblurred"]
    approved = db.execute(
        "SELECT username FROM audit_log WHERE action = 'unblur_approved'"
    ).fetchall()
    assert approved == [("enforcement2",)]
    context.close()
