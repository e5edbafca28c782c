"""Remote config from the server: applied only when every value is within bounds."""

import os

import sim
from binsensor.config import ConfigRejected, default_remote, validate_remote
from helpers import check, equal, provision, raises, set_scene


def node():
    """A provisioned node on simulated hardware, not yet awake."""
    provision()
    set_scene(700)
    from binsensor.board import Board
    from binsensor.config import load_device_config
    from binsensor.node import Node

    config = load_device_config()
    return Node(config, Board(config))


def test_out_of_bounds_config_is_rejected_whole():
    """A one-minute interval is refused, and the valid heartbeat beside it is not applied either."""
    sensor = node()
    before = dict(sensor.settings)
    applied = sensor.apply_config({"version": 4, "measure_interval_s": 60, "heartbeat_s": 7200})
    equal(applied, False)
    equal(sensor.settings, before)
    check("remote.json" not in os.listdir("."), "a rejected config reached flash")
    check("measure_interval_s=60 outside 300..86400" in sensor._details[-1], sensor._details[-1])
    try:
        sensor.sleep()
    except sim.DeepSleep:
        pass
    equal(sim.sleeps_ms, [3600 * 1000])


def test_unknown_keys_and_wrong_types_are_rejected():
    """A misspelt key, a string for a number, a fraction for a count, or a non-object is refused."""
    current = default_remote()
    for document in (
        {"measure_intervall_s": 1800},
        {"delta_fill": "0.1"},
        {"pings": 2.5},
        {"full_fill": True},
        [1, 2],
        {"soon_fill": 0.9, "full_fill": 0.85},
        {"measure_interval_s": 7200, "heartbeat_s": 3600},
    ):
        raises(ConfigRejected, lambda doc=document: validate_remote(doc, current))


def test_valid_config_is_applied_kept_in_flash_and_used():
    """A config within bounds changes the sleep time and survives the next reset from flash."""
    sensor = node()
    equal(sensor.apply_config({"version": 5, "measure_interval_s": 1800, "delta_fill": 0.1}), True)
    try:
        sensor.sleep()
    except sim.DeepSleep:
        pass
    equal(sim.sleeps_ms, [1800 * 1000])
    again = node()
    equal(
        (
            again.settings["measure_interval_s"],
            again.settings["delta_fill"],
            again.settings["version"],
        ),
        (1800, 0.1, 5),
    )


def test_main_entry_point_measures_and_sleeps():
    """The board's main.py loads config.json, takes a reading and ends in deep sleep."""
    provision()
    set_scene(640)
    sim.wifi_in_reach = False
    try:
        import main  # noqa: F401 - importing main.py is what the board does at boot

        raise AssertionError("main.py returned instead of sleeping")
    except sim.DeepSleep:
        pass
    from binsensor.rtcbuf import decode

    kept = decode(bytes(sim.rtc_memory))
    equal([r.distance_mm for r in kept.readings], [640])
    equal(sim.sleeps_ms, [3600 * 1000])
