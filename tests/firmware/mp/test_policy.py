"""The reporting policy: alarms at once, changes, a heartbeat that shortens as the bin fills."""

import sim
from binsensor.config import default_remote
from binsensor.policy import container_status, heartbeat_s, upload_reason
from helpers import check, equal, provision, set_scene, single_ping, state, wake

SETTINGS = default_remote()
HOUR = 3600


def reason(**changes: object) -> "str | None":
    """The decision for a node that reported an hour ago at 30 % full, with ``changes``."""
    facts = {
        "now": 100 * HOUR,
        "fill": 0.3,
        "status": "ok",
        "last_upload": 99 * HOUR,
        "last_sent_fill": 0.3,
        "last_status": "ok",
        "buffered": 2,
        "buffer_capacity": 112,
        "settings": SETTINGS,
    }
    facts.update(changes)
    return upload_reason(**facts)


def test_quiet_bin_stays_asleep_until_the_heartbeat():
    """An unchanged bin does not connect for five hours, then does at the six-hour heartbeat."""
    for hours in range(1, 6):
        equal(reason(last_upload=100 * HOUR - hours * HOUR), None)
    equal(reason(last_upload=94 * HOUR), "heartbeat")


def test_fill_change_reports_at_once():
    """A fill that moved by the configured delta since the last report is sent now."""
    equal(reason(fill=0.46), "change")
    equal(reason(fill=0.14), "change")
    equal(reason(fill=0.4), None)


def test_heartbeat_shortens_as_the_bin_fills():
    """Above soon_fill the heartbeat halves; above full_fill every measurement is sent."""
    equal(heartbeat_s(0.2, SETTINGS), 6 * HOUR)
    equal(heartbeat_s(0.65, SETTINGS), 3 * HOUR)
    equal(heartbeat_s(0.85, SETTINGS), HOUR)
    equal(reason(fill=0.66, last_sent_fill=0.6, last_upload=97 * HOUR), "heartbeat")
    equal(reason(fill=0.86, last_sent_fill=0.85, last_upload=99 * HOUR), "heartbeat")


def test_fire_and_tilt_alarms_report_at_once():
    """A fire (heat threshold) or a knocked-over bin is reported on the wake-up that sees it."""
    equal(container_status(82.0, 70.0, False, False), "burning")
    equal(container_status(20.0, 70.0, True, True), "dropped")
    equal(container_status(20.0, 70.0, False, True), "lidOpen")
    equal(container_status(None, 70.0, False, False), "ok")
    equal(reason(status="burning"), "alarm")
    equal(reason(status="dropped"), "alarm")
    # Once reported, a standing alarm waits for the heartbeat like anything else...
    equal(reason(status="dropped", last_status="dropped"), None)
    # ...and its end is reported too.
    equal(reason(status="ok", last_status="dropped"), "alarm_cleared")


def test_first_wake_up_reports_and_a_full_buffer_forces_a_report():
    """A node that never reported connects at once; so does one whose RTC buffer is full."""
    equal(reason(last_upload=0), "first")
    equal(reason(buffered=112), "buffer_full")


def test_without_network_the_radio_backs_off():
    """A day without network: 24 readings kept, hourly sleeps, but a connection tried only every 3 h."""
    provision()
    single_ping()
    sim.wifi_in_reach = False
    set_scene(800)
    reasons = [wake() for _ in range(24)]
    equal(len(state().readings), 24)
    equal(len(sim.sleeps_ms), 24)
    check(all(ms == 3600 * 1000 for ms in sim.sleeps_ms))
    tried = [hour for hour, why in enumerate(reasons) if why is not None]
    equal(tried, list(range(0, 24, 3)))


def test_an_alarm_ignores_the_back_off():
    """Right after a failed attempt, a knocked-over bin still tries to report on the next wake-up."""
    equal(reason(last_failure=100 * HOUR - 60, last_upload=0), None)
    equal(reason(last_failure=100 * HOUR - 60, status="dropped"), "alarm")


def test_heat_alarm_comes_from_the_thermistor():
    """A container at 85 degrees gives readings with status burning."""
    provision()
    sim.wifi_in_reach = False
    set_scene(700, celsius=85.0)
    wake()
    equal(state().readings[-1].status, "burning")
