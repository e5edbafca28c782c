"""The ESP32 board: sensors, clock, RTC memory, radio and sleep, built from the device config."""

import time

import esp32
import machine
import network

from binsensor import drivers
from binsensor.config import DeviceConfig
from binsensor.timeutil import epoch_from_rtc, rtc_from_epoch

TYPE_CHECKING = False
if TYPE_CHECKING:
    from binsensor.modem import Modem, ModemMQTT
    from binsensor.mqtt import Client

WIFI_TIMEOUT_MS = 10000
MODEM_UART = 2  # UART0 is the console; UART1's default pins are the flash's
MODEM_BAUD = 115200
MODEM_CPU_HZ = 80000000
WIFI_MESSAGE_BYTES = 3000  # keeps every buffer of a publish to a few kB of RAM
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
        self.config = config
        self.rssi_dbm: "int | None" = None
        self.modem: "Modem | None" = None
        if config.radio == "cellular":
            from binsensor.modem import Modem  # only cellular nodes spend RAM on the driver

            wiring = config.cellular.get("pins", {})
            self.modem = Modem(
                machine.UART(
                    MODEM_UART,
                    baudrate=MODEM_BAUD,
                    tx=wiring.get("tx", 17),
                    rx=wiring.get("rx", 16),
                    timeout=0,
                ),
                machine.Pin(wiring.get("pwrkey", 4), machine.Pin.OUT, value=0),
                config.radio_settings,
            )

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

    # -- the uplink, whichever radio the config chose -------------------------------------

    def link_up(self, feed: "object | None" = None) -> bool:
        """Bring the radio up; False (or OSError with the reason) when there is no network."""
        if self.modem is None:
            self.rssi_dbm = self.wifi_connect(
                self.config.wifi_ssid, self.config.wifi_password, feed
            )
            return self.rssi_dbm is not None
        # The module does the talking: the ESP32 only waits on its UART, at 80 MHz it draws
        # about 30 % less (bench/firmware/energy.py). Deep sleep resets the clock for the next
        # wake-up's measurement.
        machine.freq(MODEM_CPU_HZ)
        self.modem.feed = feed
        self.rssi_dbm = self.modem.attach()
        return True

    def link_down(self) -> None:
        """The radio to its lowest state: Wi-Fi off; the modem in PSM, or off when unregistered."""
        if self.modem is None:
            self.wifi_off()
            return
        try:
            self.modem.rest()
        except OSError as exc:
            print("[modem] could not put the module to rest:", repr(exc))

    def message_bytes(self) -> int:
        """The largest MQTT message this uplink sends."""
        if self.modem is None:
            return WIFI_MESSAGE_BYTES
        from binsensor.atparse import MAX_PUBLISH_BYTES

        return MAX_PUBLISH_BYTES

    def mqtt_client(self, on_message: object) -> "Client | ModemMQTT":
        """An MQTT client over this uplink: our own over Wi-Fi, the module's over cellular."""
        config = self.config
        if self.modem is None:
            from binsensor.mqtt import Client

            return Client(
                config.device_id,
                config.mqtt_host,
                config.mqtt_port,
                username=config.mqtt_username,
                password=config.mqtt_password,
                tls=config.mqtt_tls,
                ca_file=config.mqtt_ca_file,
                timeout_s=config.socket_timeout_s,
                on_message=on_message,
            )
        from binsensor.modem import ModemMQTT

        return ModemMQTT(
            self.modem,
            config.device_id,
            config.mqtt_host,
            config.mqtt_port,
            username=config.mqtt_username,
            password=config.mqtt_password,
            tls=config.mqtt_tls,
            on_message=on_message,
        )

    def sync_clock(self) -> None:
        """Set the RTC from the network's time (NTP, or the cell's); a failure keeps the clock."""
        if self.modem is not None:
            try:
                self.set_time(self.modem.network_time())
            except OSError as exc:
                print("[modem] no network time:", exc)
            return
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
