"""The device config file written at provisioning, and the remote settings the server may push.

Remote settings arrive as a retained message on ``down/config``. A value outside its bounds could
drain the battery in weeks (a one-minute interval) or hide a full bin for days, so a document with
any unknown key or any value out of bounds is rejected whole and nothing of it is applied.
"""

import json

TYPE_CHECKING = False
if TYPE_CHECKING:
    from typing import Any

CONFIG_PATH = "config.json"
RADIOS = ("wifi", "cellular")
REMOTE_PATH = "remote.json"

# name: (default, lowest, highest)
REMOTE_BOUNDS = {
    "measure_interval_s": (3600, 300, 86400),
    "heartbeat_s": (21600, 3600, 172800),
    "delta_fill": (0.15, 0.02, 0.5),
    "soon_fill": (0.6, 0.3, 0.95),
    "full_fill": (0.8, 0.4, 1.0),
    "heat_alarm_c": (70.0, 45.0, 120.0),
    "pings": (5, 1, 15),
}


def default_remote() -> "dict[str, Any]":
    """The settings a device uses before the server has said anything."""
    return {name: bounds[0] for name, bounds in REMOTE_BOUNDS.items()}


class ConfigRejected(ValueError):
    """A remote config that must not be applied; the message says why."""


def validate_remote(document: object, current: "dict[str, Any]") -> "dict[str, Any]":
    """The settings that result from applying ``document`` on top of ``current``, or raise."""
    if not isinstance(document, dict):
        raise ConfigRejected("config is not a JSON object")
    merged = dict(current)
    problems = []
    for name, value in document.items():
        if name == "version":
            if not isinstance(value, int) or isinstance(value, bool) or value < 0:
                problems.append("version must be a non-negative integer")
            else:
                merged["version"] = value
            continue
        if name not in REMOTE_BOUNDS:
            problems.append("unknown setting %s" % name)
            continue
        default, lowest, highest = REMOTE_BOUNDS[name]
        wanted_int = isinstance(default, int)
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            problems.append("%s must be a number" % name)
        elif wanted_int and not isinstance(value, int):
            problems.append("%s must be a whole number" % name)
        elif not lowest <= value <= highest:
            problems.append("%s=%s outside %s..%s" % (name, value, lowest, highest))
        else:
            merged[name] = value
    if not problems:
        if merged["soon_fill"] > merged["full_fill"]:
            problems.append("soon_fill above full_fill")
        if merged["heartbeat_s"] < merged["measure_interval_s"]:
            problems.append("heartbeat_s shorter than measure_interval_s")
    if problems:
        raise ConfigRejected("; ".join(problems))
    return merged


def load_json(path: str) -> "dict[str, Any] | None":
    """A JSON object from flash, or None when the file is missing or unreadable."""
    try:
        with open(path) as handle:
            value = json.load(handle)
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def save_json(path: str, value: "dict[str, Any]") -> None:
    """Write through a temporary file, so a brown-out never leaves half a file behind."""
    import os

    temporary = path + ".new"
    with open(temporary, "w") as handle:
        json.dump(value, handle)
    os.rename(temporary, path)


def load_remote(path: str = REMOTE_PATH) -> "dict[str, Any]":
    """The remote settings applied last, or the defaults."""
    stored = load_json(path)
    settings = default_remote()
    if stored is not None:
        try:
            settings = validate_remote(stored, settings)
        except ConfigRejected:
            pass
    return settings


class DeviceConfig:
    """The provisioning file: identity, network, broker, credentials and the bin's geometry."""

    def __init__(self, document: "dict[str, Any]") -> None:
        try:
            self.device_id = str(document["device_id"])
            cellular = document.get("cellular")
            # Older files have no "radio": Wi-Fi, unless they only describe a modem.
            default_radio = (
                "cellular" if cellular is not None and "wifi" not in document else "wifi"
            )
            self.radio = str(document.get("radio") or default_radio)
            wifi = document.get("wifi") or {}
            if self.radio == "wifi":
                self.wifi_ssid = str(wifi["ssid"])
                self.wifi_password = str(wifi["password"])
            else:
                self.wifi_ssid = str(wifi.get("ssid", ""))
                self.wifi_password = str(wifi.get("password", ""))
            self.cellular: "dict[str, Any]" = dict(cellular or {})
            mqtt = document["mqtt"]
            self.mqtt_host = str(mqtt["host"])
            self.mqtt_port = int(mqtt.get("port", 8883 if mqtt.get("tls", True) else 1883))
            self.mqtt_tls = bool(mqtt.get("tls", True))
            self.mqtt_username = str(mqtt["username"])
            self.mqtt_password = str(mqtt["password"])
            self.mqtt_ca_file = mqtt.get("ca_file")
            self.topic_root = str(mqtt.get("topic_root", "nettestad"))
            self.socket_timeout_s = float(mqtt.get("socket_timeout_s", 5))
            self.attempts = int(mqtt.get("attempts", 3))
            container = document["bin"]
            self.bin_id = str(container.get("id", ""))
            self.depth_mm = int(container["depth_mm"])
            self.sensor_offset_mm = int(container.get("sensor_offset_mm", 0))
            self.top_bottom_area_ratio = float(container.get("top_bottom_area_ratio", 1.0))
            sensor = document.get("sensor", {})
            self.sensor_kind = str(sensor.get("kind", "ultrasonic"))
            self.blind_zone_mm = int(sensor.get("blind_zone_mm", 250))
            self.pins = dict(sensor.get("pins", {}))
            self.battery_divider = float(sensor.get("battery_divider", 2.0))
            self.spool_records = int(document.get("spool_records", 2000))
        except (KeyError, TypeError, ValueError) as exc:
            raise ValueError("bad device config: %r" % (exc,)) from exc
        if self.depth_mm <= self.sensor_offset_mm or self.attempts < 1:
            raise ValueError("bad device config: depth, offset or attempts")
        if self.radio not in RADIOS:
            raise ValueError("bad device config: radio must be wifi or cellular")
        if self.radio == "cellular":
            from binsensor.modem import RadioSettings

            # Checked now, so a wrong APN or timer fails at boot, not at the first report.
            try:
                self.radio_settings = RadioSettings(self.cellular)
            except (TypeError, ValueError) as exc:
                raise ValueError("bad device config: cellular: %s" % exc) from exc

    def topic(self, direction: str, kind: str) -> str:
        """A topic of this device's own subtree (contract v1)."""
        return "%s/v1/dev/%s/%s/%s" % (self.topic_root, self.device_id, direction, kind)


def load_device_config(path: str = CONFIG_PATH) -> DeviceConfig:
    """The provisioning file, or an error saying it is missing."""
    document = load_json(path)
    if document is None:
        raise ValueError("no device config at %s: provision the device first" % path)
    return DeviceConfig(document)
