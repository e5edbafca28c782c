"""The simulated world behind the fake ``machine``, ``network`` and ``esp32`` modules.

Tests set the physics here (echo times, voltages, switches, whether Wi-Fi is in reach, the clock)
and read back what the hardware was asked to do (deep sleeps, resets, watchdog feeds).
"""

import os

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
cpu_hz = 160000000
cpu_mhz_at_sleep: "list[int]" = []
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
# The partitions are flash, not RAM: files in the test's working directory, so the fakes leave
# the heap to the firmware (see tests/firmware/mp/board_heap.py).
BLOCK = 4096
PARTITION_BYTES = BLOCK * 64


def partition_read(label: str, start: int, size: int) -> bytes:
    """Bytes of an app partition (erased flash reads as zeros here)."""
    try:
        with open(label + ".part", "rb") as handle:
            handle.seek(start)
            data = handle.read(size)
    except OSError:
        data = b""
    return data + bytes(size - len(data))


def partition_readinto(label: str, start: int, buffer: bytearray) -> None:
    """Read flash straight into the caller's buffer, as the ESP32 port does (no copy on the heap)."""
    got = 0
    try:
        with open(label + ".part", "rb") as handle:
            handle.seek(start)
            got = handle.readinto(buffer) or 0
    except OSError:
        pass
    for i in range(got, len(buffer)):
        buffer[i] = 0


def partition_write(label: str, start: int, data: bytes) -> None:
    """Program bytes of an app partition."""
    try:
        os.stat(label + ".part")
        mode = "r+b"
    except OSError:
        mode = "w+b"
    with open(label + ".part", mode) as handle:
        handle.seek(start)
        handle.write(data)


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
    MODEM_TTY = os.getenv("NT_MODEM_TTY")
    MODEM_CONTROL = os.getenv("NT_MODEM_CONTROL")


_modem_env()


def modem_event(text: str) -> None:
    """Tell the modem simulator what happened on its wires (PWRKEY) or to time (a sleep)."""
    global _control_file
    if MODEM_CONTROL is None:
        return
    if _control_file is None:
        _control_file = open(MODEM_CONTROL, "wb")  # noqa: SIM115 -- the wire stays connected
    _control_file.write(text.encode() + b"\n")
