"""The ESP32 board: sensors, clock, RTC memory, radio and sleep, built from the device config."""

import time

import esp32
import machine
import network

from binsensor import drivers
from binsensor.config import DeviceConfig
from binsensor.timeutil import epoch_from_rtc, rtc_from_epoch

WIFI_TIMEOUT_MS = 10000
_WIFI_FAILURES = (network.STAT_NO_AP_FOUND, network.STAT_WRONG_PASSWORD, network.STAT_CONNECT_FAIL)


class Board:
    """The hardware the node uses, each part behind the narrow interface in ``drivers``."""

    def __init__(self, config: DeviceConfig) -> None:
        pins = config.pins
        self.range_sensor: drivers.RangeSensor
        if config.sensor_kind == "tof":
            i2c = machine.I2C(
                0, scl=machine.Pin(pins.get("scl", 22)), sda=machine.Pin(pins.get("sda", 21))
            )
            self.range_sensor = drivers.TimeOfFlight(i2c)
        else:
            self.range_sensor = drivers.Ultrasonic(pins.get("trigger", 5), pins.get("echo", 18))
        self.thermometer = drivers.Thermistor(pins.get("ntc", 34))
        self.battery = drivers.Battery(pins.get("battery", 35), config.battery_divider)
        self.tilt_pin = pins.get("tilt", 27)
        self.tilt = drivers.Switch(self.tilt_pin)
        self.lid = drivers.Switch(pins["lid"]) if "lid" in pins else None
        self._rtc = machine.RTC()
        self._wlan: "network.WLAN | None" = None

    def now(self) -> int:
        """Unix seconds from the RTC, which keeps running in deep sleep."""
        return epoch_from_rtc(self._rtc.datetime())

    def set_time(self, seconds: int) -> None:
        """Set the RTC (after a time sync)."""
        self._rtc.datetime(rtc_from_epoch(seconds))

    def rtc_read(self) -> bytes:
        """The bytes kept in RTC memory across deep sleep."""
        return bytes(self._rtc.memory())

    def rtc_write(self, data: bytes) -> None:
        """Keep bytes in RTC memory for the next wake-up."""
        self._rtc.memory(data)

    def watchdog(self, timeout_ms: int) -> "machine.WDT":
        """A watchdog that resets the node if the wake cycle hangs."""
        return machine.WDT(timeout=timeout_ms)

    def wifi_connect(self, ssid: str, password: str, feed: "object | None" = None) -> "int | None":
        """Join the network; the signal strength in dBm, or None when it did not work in time."""
        wlan = network.WLAN(network.STA_IF)
        self._wlan = wlan
        wlan.active(True)
        if not wlan.isconnected():
            wlan.connect(ssid, password)
            start = time.ticks_ms()
            while not wlan.isconnected():
                # A missing access point or a wrong password will not mend within the timeout.
                if wlan.status() in _WIFI_FAILURES:
                    return None
                if time.ticks_diff(time.ticks_ms(), start) > WIFI_TIMEOUT_MS:
                    return None
                if feed is not None:
                    feed()  # type: ignore[operator]  # the watchdog's feed
                time.sleep_ms(100)
        return int(wlan.status("rssi"))

    def wifi_off(self) -> None:
        """Switch the radio off; it is the largest consumer."""
        if self._wlan is not None:
            self._wlan.disconnect()
            self._wlan.active(False)

    def sync_clock(self) -> None:
        """Set the RTC from NTP when the port has it; a failure keeps the running clock."""
        try:
            import ntptime

            ntptime.settime()
        except (ImportError, OSError):
            pass

    def deep_sleep(self, milliseconds: int) -> None:
        """Sleep until the timer or the tilt switch wakes the node (a wake-up is a reset)."""
        esp32.wake_on_ext0(machine.Pin(self.tilt_pin), esp32.WAKEUP_ALL_LOW)
        machine.deepsleep(milliseconds)

    def reset(self) -> None:
        """Reboot (into a newly installed image, or back to the old one)."""
        machine.reset()
