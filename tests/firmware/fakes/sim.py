"""The simulated world behind the fake ``machine``, ``network`` and ``esp32`` modules.

Tests set the physics here (echo times, voltages, switches, whether Wi-Fi is in reach, the clock)
and read back what the hardware was asked to do (deep sleeps, resets, watchdog feeds).
"""

clock_s = 1795000000  # 2026-11-18, a valid wall-clock time
rtc_memory = bytearray()
echo_us: "list[int]" = []  # next echo times; -1 is a timeout (no echo); empty repeats the last
last_echo_us = -1
adc_uv: "dict[int, int]" = {}
pin_levels: "dict[int, int]" = {}
wifi_in_reach = True
rssi_dbm = -67
sleeps_ms: "list[int]" = []
resets = 0
wdt_feeds = 0
i2c_registers: "dict[int, int]" = {}


class DeepSleep(BaseException):
    """Raised by the fake ``deepsleep``: the simulated node stops here until the next wake-up."""


class Reset(BaseException):
    """Raised by the fake ``reset``."""


def thermistor_uv(celsius: float, supply_uv: int = 3300000, beta: float = 3950.0) -> int:
    """The ADC voltage a 10 kOhm NTC divider gives at a temperature (for setting the scene)."""
    import math

    ntc = 10000.0 * math.exp(beta * (1.0 / (celsius + 273.15) - 1.0 / 298.15))
    return int(supply_uv * 10000.0 / (10000.0 + ntc))


def next_echo() -> int:
    """The echo time the fake ``time_pulse_us`` answers."""
    global last_echo_us
    if echo_us:
        last_echo_us = echo_us.pop(0)
    return last_echo_us


# -- the two app partitions and the bootloader's rollback ------------------------------------
BLOCK = 4096
partitions = {"ota_0": bytearray(BLOCK * 64), "ota_1": bytearray(BLOCK * 64)}
running = "ota_0"
boot = "ota_0"
probation = False  # the running image was never confirmed


def bootloader() -> None:
    """What the ESP-IDF bootloader does at reset, app rollback enabled."""
    global running, boot, probation
    if probation:
        # The image on probation did not confirm itself: back to the one before.
        boot = "ota_1" if running == "ota_0" else "ota_0"
        running = boot
        probation = False
    elif boot != running:
        running = boot
        probation = True


# -- the cellular module's wires: its UART is a pseudo-terminal, its PWRKEY a line to the
# simulator (tests/firmware/modem_sim.py), which also learns how long the node slept.
MODEM_TTY = None
MODEM_CONTROL = None
PWRKEY_PIN = 4
modem_tty = None
_control_file = None


def _modem_env() -> None:
    global MODEM_TTY, MODEM_CONTROL
    import os

    MODEM_TTY = os.getenv("NT_MODEM_TTY")
    MODEM_CONTROL = os.getenv("NT_MODEM_CONTROL")


_modem_env()


def modem_event(text: str) -> None:
    """Tell the modem simulator what happened on its wires (PWRKEY) or to time (a sleep)."""
    global _control_file
    if MODEM_CONTROL is None:
        return
    if _control_file is None:
        _control_file = open(MODEM_CONTROL, "wb")
    _control_file.write(text.encode() + b"\n")

