"""What the MicroPython tests share: a provisioned node on simulated hardware, and checks."""

import json
import os
import sys

import sim

TYPE_CHECKING = False
if TYPE_CHECKING:
    from collections.abc import Callable

DEVICE_ID = os.getenv("NT_DEVICE_ID") or "fw-test-0001"
TOPIC_ROOT = os.getenv("NT_TOPIC_ROOT") or "fwtest"
BROKER_HOST = os.getenv("NT_MQTT_HOST") or "localhost"
BROKER_PORT = int(os.getenv("NT_MQTT_PORT") or "1883")
NTC_PIN = 34
BATTERY_PIN = 35
TILT_PIN = 27


def check(condition: bool, message: str = "check failed") -> None:
    """Assert that survives ``micropython -O``."""
    if not condition:
        raise AssertionError(message)


def equal(got: object, want: object) -> None:
    """Assert equality, saying both values when it fails."""
    if got != want:
        raise AssertionError("got %r, want %r" % (got, want))


def raises(kind: type, action: "Callable[[], object]") -> Exception:
    """Run ``action`` and return the exception of ``kind`` it must raise."""
    try:
        action()
    except kind as exc:
        return exc
    raise AssertionError("%s was not raised" % kind.__name__)


def single_ping() -> None:
    """Store remote settings with one ping per measurement: for long simulated runs where the
    60 ms between real pings would only cost wall-clock time."""
    from binsensor.config import default_remote, save_json

    settings = default_remote()
    settings["pings"] = 1
    save_json("remote.json", settings)


def provision(**overrides: object) -> dict:
    """Write config.json as provisioning would, for a 1 m deep bin; returns the document."""
    document = {
        "device_id": DEVICE_ID,
        "wifi": {"ssid": "kortrijk-iot", "password": "not-a-real-one"},
        "mqtt": {
            "host": BROKER_HOST,
            "port": BROKER_PORT,
            "tls": False,
            "username": DEVICE_ID,
            "password": "device-password",
            "topic_root": TOPIC_ROOT,
            "socket_timeout_s": 2,
            "attempts": 2,
        },
        "bin": {"id": "bin-test", "depth_mm": 1000, "sensor_offset_mm": 100},
        "sensor": {"kind": "ultrasonic", "blind_zone_mm": 200, "pins": {}},
    }
    for key, value in overrides.items():
        document[key] = value
    with open("config.json", "w") as handle:
        json.dump(document, handle)
    return document


def set_scene(distance_mm: int, celsius: float = 20.0, battery_v: float = 3.6) -> None:
    """A surface at ``distance_mm``, the air at ``celsius``, the battery at ``battery_v``."""
    from binsensor.measure import speed_of_sound_m_s

    sim.echo_us[:] = []
    sim.last_echo_us = int(distance_mm * 2000 / speed_of_sound_m_s(celsius) + 0.5)
    sim.adc_uv[NTC_PIN] = sim.thermistor_uv(celsius)
    sim.adc_uv[BATTERY_PIN] = int(battery_v / 2 * 1e6)


def fresh_modules() -> None:
    """Forget the firmware's modules, as a deep-sleep reset does."""
    for name in list(sys.modules):
        if name.startswith("binsensor") or name == "main":
            del sys.modules[name]


def wake() -> "str | None":
    """One wake-up of a freshly booted node, through to its deep sleep; returns its report reason."""
    fresh_modules()
    import board_heap

    board_heap.limit()
    from binsensor.board import Board
    from binsensor.config import load_device_config
    from binsensor.node import Node

    config = load_device_config()
    node = Node(config, Board(config))
    reason = node.wake()
    try:
        node.sleep()
    except sim.DeepSleep:
        pass
    return reason


def state() -> "object":
    """What the node keeps in RTC memory now."""
    from binsensor.rtcbuf import decode

    return decode(bytes(sim.rtc_memory))
