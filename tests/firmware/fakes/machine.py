"""Fake ``machine`` for the MicroPython Unix port: the ESP32's pins, ADC, I2C, RTC and sleep."""

import sim

DEEPSLEEP_RESET = 4
PWRON_RESET = 1


class Pin:
    IN = 1
    OUT = 3
    PULL_UP = 1
    PULL_DOWN = 2

    def __init__(
        self, pin: int, mode: int = -1, pull: int = -1, value: "int | None" = None
    ) -> None:
        self.pin = pin
        if value is not None:
            sim.pin_levels[pin] = value

    def value(self, level: "int | None" = None) -> int:
        if level is not None:
            sim.pin_levels[self.pin] = level
            if self.pin == sim.PWRKEY_PIN:
                sim.modem_event("pwrkey %d" % level)
            return level
        return sim.pin_levels.get(self.pin, 1)  # pulled up: an open switch reads high


class ADC:
    def __init__(self, pin: Pin) -> None:
        self.pin = pin.pin

    def read_uv(self) -> int:
        return sim.adc_uv.get(self.pin, 0)


class I2C:
    def __init__(self, bus: int, scl: "Pin | None" = None, sda: "Pin | None" = None) -> None:
        self.bus = bus

    def readfrom_mem(self, address: int, register: int, size: int, addrsize: int = 8) -> bytes:
        return bytes(sim.i2c_registers.get(register + i, 0) for i in range(size))

    def writeto_mem(self, address: int, register: int, data: bytes, addrsize: int = 8) -> None:
        for i, byte in enumerate(data):
            sim.i2c_registers[register + i] = byte


class RTC:
    def datetime(self, value: "tuple | None" = None) -> tuple:
        import binsensor.timeutil as t

        if value is not None:
            sim.clock_s = t.epoch_from_rtc(value)
            return value
        return t.rtc_from_epoch(sim.clock_s)

    def memory(self, data: "bytes | None" = None) -> bytes:
        if data is not None:
            if len(data) > 2048:
                raise ValueError("ESP32 RTC user memory is 2048 bytes")
            sim.rtc_memory = bytearray(data)
        return bytes(sim.rtc_memory)


class WDT:
    def __init__(self, id: int = 0, timeout: int = 5000) -> None:
        self.timeout = timeout

    def feed(self) -> None:
        sim.wdt_feeds += 1


def time_pulse_us(pin: Pin, level: int, timeout_us: int = 1000000) -> int:
    echo = sim.next_echo()
    return -1 if echo < 0 or echo > timeout_us else echo


class UART:
    """The ESP32's UART to the cellular module: the simulator's pseudo-terminal."""

    def __init__(
        self, id: int, baudrate: int = 115200, tx: int = -1, rx: int = -1, timeout: int = 0
    ) -> None:
        import select

        if sim.MODEM_TTY is None:
            raise OSError("no modem simulator (NT_MODEM_TTY)")
        if sim.modem_tty is None:  # the wires stay connected across deep sleep
            sim.modem_tty = open(sim.MODEM_TTY, "r+b")  # noqa: SIM115 -- open while powered
        self._tty = sim.modem_tty
        self._poll = select.poll()
        self._poll.register(self._tty, select.POLLIN)

    def any(self) -> int:
        return 1 if self._poll.poll(0) else 0

    def read(self, size: int = 1) -> "bytes | None":
        if not self._poll.poll(0):
            return None
        return self._tty.read(1)

    def write(self, data: bytes) -> int:
        self._tty.write(data)
        return len(data)


def freq(hz: "int | None" = None) -> int:
    if hz is not None:
        sim.cpu_hz = hz
    return sim.cpu_hz


def deepsleep(ms: int = 0) -> None:
    sim.sleeps_ms.append(ms)
    sim.cpu_mhz_at_sleep.append(sim.cpu_hz // 1000000)
    sim.cpu_hz = 160000000  # a wake-up boots at the default clock
    sim.modem_event("sleep %d" % ms)
    sim.clock_s += ms // 1000
    raise sim.DeepSleep()


def reset() -> None:
    sim.resets += 1
    sim.bootloader()
    raise sim.Reset()


def reset_cause() -> int:
    return DEEPSLEEP_RESET
