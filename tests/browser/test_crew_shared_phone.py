"""A crew phone as it is really used: shared between crews, refused photos, the next stop."""

from __future__ import annotations

from typing import Any

import pytest

from api.auth import Role, create_user
from api.route_sheet import today_in_brussels
from tests.api.conftest import PASSWORD
from tests.api.seed import seed_city, seed_plan
from tests.browser.conftest import LiveServer, log_in
from tests.helpers import Conn, poll

pytestmark = [pytest.mark.browser, pytest.mark.slow]
IPHONE = (
    "Mozilla/5.0 (iPhone; CPU iPhone OS 17_5 like Mac OS X) AppleWebKit/605.1.15 "
    "(KHTML, like Gecko) Version/17.5 Mobile/15E148 Safari/604.1"
)


def _count(db: Conn, sql: str, *args: object) -> int:
    row = db.execute(sql, args).fetchone()
    assert row is not None
    return int(row[0])


def _phone(browser: Any, **options: Any) -> Any:
    return browser.new_context(
        viewport={"width": 390, "height": 844},
        is_mobile=True,
        has_touch=True,
        geolocation={"latitude": 50.8281, "longitude": 3.2651},
        permissions=["geolocation"],
        **options,
    )


def _crew_b(db: Conn) -> int:
    return create_user(
        conn=db,
        username="crew2",
        password=PASSWORD,
        role=Role.CREW,
        display_name="Ploeg B",
        vehicle_id="veh-2",
    ).id


def _queue_offline_as_a(context: Any, base: str, *, back_online: bool = True) -> None:
    """Crew A opens the sheet, loses the signal, empties the first stop and puts the phone away."""
    page = context.new_page()
    log_in(page, base, "crew1")
    page.wait_for_url("**/crew")
    page.wait_for_selector("li.stop >> nth=2")
    context.set_offline(True)
    page.wait_for_function("() => !navigator.onLine")
    page.locator("li.stop").nth(0).locator("button", has_text="Geledigd").click()
    page.click("dialog button[data-fill=full]")
    page.wait_for_function("() => document.getElementById('pending').dataset.count === '1'")
    page.close()
    if back_online:
        context.set_offline(False)


def _user_id(db: Conn, username: str) -> int:
    return _count(db, "SELECT id FROM users WHERE username = %s", username)


def test_work_queued_by_crew_a_is_sent_as_a_after_crew_b_logs_in(
    live_server: LiveServer, browser: Any, db: Conn
) -> None:
    """On a shared phone, A's offline action is stored under A (still logged in), never under B."""
    seed_city(db)
    seed_plan(db, vehicle_id="veh-1")
    b_id = _crew_b(db)
    context = _phone(browser)
    _queue_offline_as_a(context, live_server.url)

    page = context.new_page()
    log_in(page, live_server.url, "crew2")
    page.wait_for_url("**/crew")
    poll(lambda: _count(db, "SELECT count(*) FROM stop_actions") == 1, what="A's action sent")
    row = db.execute("SELECT user_id, vehicle_id, fill_seen FROM stop_actions").fetchone()
    assert row == (_user_id(db, "crew1"), "veh-1", "full")
    assert _count(db, "SELECT count(*) FROM stop_actions WHERE user_id = %s", b_id) == 0
    page.wait_for_function("() => document.getElementById('pending').dataset.count === '0'")
    # A's item leaves the phone's list once the server has it; the page redraws after the send.
    page.locator("#kept").wait_for(state="hidden", timeout=10_000)
    context.close()


def test_work_of_a_logged_out_crew_is_kept_and_shown_never_stored_under_b(
    live_server: LiveServer, browser: Any, db: Conn
) -> None:
    """When A's session has ended, B's phone keeps and shows A's action until A logs in again."""
    seed_city(db)
    seed_plan(db, vehicle_id="veh-1")
    _crew_b(db)
    context = _phone(browser)
    _queue_offline_as_a(context, live_server.url, back_online=False)
    # A's session ends while the phone is still without signal (else its service worker may
    # rightly send A's action as A the moment the signal returns)
    db.execute("DELETE FROM sessions WHERE user_id = %s", (_user_id(db, "crew1"),))
    context.set_offline(False)

    page = context.new_page()
    log_in(page, live_server.url, "crew2")
    page.wait_for_url("**/crew")
    page.wait_for_selector("#kept li.held")
    assert "1 actie(s) van Test crew (veh-1)" in page.locator("#kept").inner_text()
    page.evaluate("() => Outbox.sync()")
    assert page.locator("#pending").get_attribute("data-count") == "0"
    assert page.locator("li.stop.done").count() == 0, "B's sheet never shows A's work as B's"
    assert _count(db, "SELECT count(*) FROM stop_actions") == 0

    page.click("#logout")
    page.wait_for_url("**/login")
    log_in(page, live_server.url, "crew1")
    page.wait_for_url("**/crew")
    poll(lambda: _count(db, "SELECT count(*) FROM stop_actions") == 1, what="A's action sent")
    assert db.execute("SELECT user_id, vehicle_id FROM stop_actions").fetchone() == (
        _user_id(db, "crew1"),
        "veh-1",
    )
    context.close()


def test_a_refused_photo_sends_the_report_without_it_and_says_why(
    live_server: LiveServer, browser: Any, db: Conn, tmp_path: Any
) -> None:
    """A HEIC photo the phone cannot read is refused by the server; the report goes without it."""
    seed_city(db)
    seed_plan(db, vehicle_id="veh-1")
    context = _phone(browser)
    page = context.new_page()
    log_in(page, live_server.url, "crew1")
    page.wait_for_selector("li.stop >> nth=2")
    page.click("#report")  # away from any stop
    page.select_option("dialog select[name=kind]", "dumping")
    page.fill("dialog textarea[name=note]", "matras in de berm")
    photo = tmp_path / "IMG_0001.heic"
    photo.write_bytes(b"\x00\x00\x00\x18ftypheic\x00\x00\x00\x00mif1heic" + b"\x00" * 4096)
    page.set_input_files("dialog input[type=file]", str(photo))
    page.click("#send-problem")
    poll(lambda: _count(db, "SELECT count(*) FROM problem_reports") == 1, what="the report")
    row = db.execute(
        "SELECT kind, note, stop_ref, photo IS NULL, lat IS NOT NULL FROM problem_reports"
    ).fetchone()
    assert row == ("dumping", "matras in de berm", None, True, True)
    page.wait_for_selector("#kept li.notice")
    assert (
        page.locator("#kept li.notice")
        .inner_text()
        .startswith("Melding verzonden zonder foto: De foto is geen JPEG-, PNG- of WebP-beeld.")
    )
    page.wait_for_function("() => document.getElementById('pending').dataset.count === '0'")
    context.close()


def test_a_large_photo_is_made_smaller_on_the_phone_and_kept(
    live_server: LiveServer, browser: Any, db: Conn
) -> None:
    """A photo the phone can decode but which is large is redrawn as a JPEG and sent with the report."""
    seed_city(db)
    seed_plan(db, vehicle_id="veh-1")
    context = _phone(browser)
    page = context.new_page()
    log_in(page, live_server.url, "crew1")
    page.wait_for_selector("li.stop >> nth=2")
    page.click("#report")
    # a 3000 x 3000 PNG of noise drawn by the browser itself: too large to send as it is
    size = page.evaluate(
        """async () => {
            const c = document.createElement("canvas"); c.width = 3000; c.height = 3000;
            const g = c.getContext("2d");
            const img = g.createImageData(3000, 3000);
            for (let i = 0; i < img.data.length; i++) img.data[i] = (i * 2654435761) % 251;
            g.putImageData(img, 0, 0);
            const blob = await new Promise((r) => c.toBlob(r, "image/png"));
            const input = document.querySelector("dialog input[type=file]");
            const files = new DataTransfer();
            files.items.add(new File([blob], "groot.png", { type: "image/png" }));
            input.files = files.files;
            return blob.size;
        }"""
    )
    assert size > 2 * 1024 * 1024
    page.click("#send-problem")
    poll(lambda: _count(db, "SELECT count(*) FROM problem_reports") == 1, what="the report")
    photo_type, size = db.execute(
        "SELECT photo_type, length(photo) FROM problem_reports"
    ).fetchone()  # type: ignore[misc]  # one row, polled above
    assert photo_type == "image/jpeg"
    assert 0 < size <= 8 * 1024 * 1024
    context.close()


def test_the_next_stop_is_highlighted_and_unload_stops_close(
    live_server: LiveServer, browser: Any, db: Conn
) -> None:
    """The first open stop is marked as next; an unload stop closes so 'te doen' reaches 0."""
    seed_city(db)
    seed_plan(db, vehicle_id="veh-1")
    db.execute(
        """INSERT INTO plan_stops (plan_id, vehicle_id, seq, kind, ref, name, lat, lon,
                                   arrival_at, start_at, end_at, load_l, load_kg)
           SELECT plan_id, vehicle_id, 4, 'unload', 'imog', 'IMOG Harelbeke', 50.85, 3.30,
                  arrival_at, start_at, end_at, 0, 0
           FROM plan_stops WHERE seq = 3"""
    )
    context = _phone(browser)
    page = context.new_page()
    log_in(page, live_server.url, "crew1")
    page.wait_for_selector("li.stop >> nth=3")
    assert page.locator("li.stop.next").get_attribute("data-ref") == "bin:kor-001"
    assert page.locator("li.stop.next").get_attribute("aria-current") == "step"
    for i in range(3):
        page.locator("li.stop").nth(i).locator("button", has_text="Geledigd").click()
        page.click("dialog button[data-fill=half]")
        page.wait_for_selector(f"li.stop:nth-child({i + 1}).done")
    page.wait_for_selector("li.stop.next[data-ref='unload:imog:4']")
    page.locator("li.stop.next button", has_text="Gelost").click()
    page.wait_for_function(
        "() => document.getElementById('summary').textContent.includes('0 te doen')"
    )
    assert page.locator("li.stop.next").count() == 0
    poll(lambda: _count(db, "SELECT count(*) FROM stop_actions") == 4, what="four actions")
    context.close()


def test_navigation_opens_apple_maps_on_an_iphone(
    live_server: LiveServer, browser: Any, db: Conn
) -> None:
    """On an iPhone the navigate link is an Apple Maps https link (iOS does not open geo:)."""
    seed_city(db)
    seed_plan(db, vehicle_id="veh-1")
    context = _phone(browser, user_agent=IPHONE)
    page = context.new_page()
    log_in(page, live_server.url, "crew1")
    page.wait_for_selector("li.stop >> nth=2")
    href = page.locator("li.stop").first.locator("a", has_text="Navigeer").get_attribute("href")
    assert href.startswith("https://maps.apple.com/?daddr=50.828000,3.265000")
    context.close()


def test_an_action_without_an_author_waits_until_someone_claims_it(
    live_server: LiveServer, browser: Any, db: Conn
) -> None:
    """An item queued by an older app (no author) is not sent on a guess; claimed, it goes out."""
    seed_city(db)
    seed_plan(db, vehicle_id="veh-1")
    context = _phone(browser)
    page = context.new_page()
    log_in(page, live_server.url, "crew1")
    page.wait_for_selector("li.stop >> nth=2")
    page.evaluate(
        """async (day) => {
            const db = await new Promise((ok, fail) => {
                const r = indexedDB.open("nettestad-crew", 1); r.onsuccess = () => ok(r.result); r.onerror = fail;
            });
            const key = crypto.randomUUID();
            await new Promise((ok) => {
                const tx = db.transaction("outbox", "readwrite");
                tx.objectStore("outbox").put({ client_key: key, type: "action", payload: {
                    client_key: key, stop_ref: "bin:kor-002", service_date: day, bin_id: "kor-002",
                    action: "done", fill_seen: "full", acted_at: new Date().toISOString(), note: "" } });
                tx.oncomplete = ok;
            });
        }""",
        today_in_brussels().isoformat(),
    )
    page.evaluate("() => kick()")
    page.wait_for_selector("#kept li.unsigned")
    page.evaluate("() => Outbox.sync()")
    assert _count(db, "SELECT count(*) FROM stop_actions") == 0
    page.locator("#kept li.unsigned button").click()
    poll(lambda: _count(db, "SELECT count(*) FROM stop_actions") == 1, what="the claimed action")
    assert db.execute("SELECT user_id, stop_ref FROM stop_actions").fetchone() == (
        _user_id(db, "crew1"),
        "bin:kor-002",
    )
    context.close()


def test_a_cleared_dump_records_the_crews_volume_estimate(
    live_server: LiveServer, browser: Any, db: Conn
) -> None:
    """Clearing a dump asks how much there was, not how full a bin was; the litres are stored."""
    seed_city(db)
    seed_plan(db, vehicle_id="veh-1")
    db.execute(
        """INSERT INTO extra_stops (service_date, kind, label, lat, lon, created_by)
           VALUES (%s, 'dump', 'Sluikstort Heule', 50.84, 3.24, 'coordinator1')""",
        (today_in_brussels(),),
    )
    context = _phone(browser)
    page = context.new_page()
    log_in(page, live_server.url, "crew1")
    page.wait_for_selector("li.stop >> nth=3")
    page.locator("li.stop.added button", has_text="Geledigd").click()
    assert page.locator("dialog h2").inner_text() == "Hoeveel lag er?"
    page.click("dialog button[data-volume='500']")
    poll(lambda: _count(db, "SELECT count(*) FROM stop_actions") == 1, what="the cleared dump")
    row = db.execute("SELECT stop_ref LIKE 'extra:%%', fill_seen, volume_l FROM stop_actions")
    assert row.fetchone() == (True, None, 500)
    page.wait_for_selector("li.stop.added.done")
    assert "opgeruimd · 500 l" in page.locator("li.stop.added .state").inner_text()
    context.close()
