"""Sensor drivers behind one small interface each; ``machine`` is the only hardware they touch."""

import math
import time

import machine

# The JSN-SR04T gives up after about 38 ms when nothing answers; 30 ms covers 5 m of range.
ECHO_TIMEOUT_US = 30000


class RangeSensor:
    """Something that measures the distance to the surface of the contents."""

    def ping_mm(self, temperature_c: float) -> "int | None":
        """One distance in millimetres, or None when nothing answered."""
        raise NotImplementedError


class Ultrasonic(RangeSensor):
    """A waterproof trigger/echo ultrasonic module (JSN-SR04T style)."""

    def __init__(self, trigger_pin: int, echo_pin: int) -> None:
        self._trigger = machine.Pin(trigger_pin, machine.Pin.OUT, value=0)
        self._echo = machine.Pin(echo_pin, machine.Pin.IN)

    def ping_mm(self, temperature_c: float) -> "int | None":
        from binsensor.measure import echo_to_mm

        self._trigger.value(0)
        time.sleep_us(5)
        # The JSN-SR04T wants a longer trigger pulse than the 10 us of the HC-SR04.
        self._trigger.value(1)
        time.sleep_us(20)
        self._trigger.value(0)
        echo_us = machine.time_pulse_us(self._echo, 1, ECHO_TIMEOUT_US)
        if echo_us <= 0:
            return None
        return echo_to_mm(echo_us, temperature_c)


# VL53L1X registers (ST datasheet DS12385 and its register map).
_VL53_MODEL_ID = 0x010F
_VL53_SYSTEM_START = 0x0087
_VL53_INTERRUPT_CLEAR = 0x0086
_VL53_GPIO_STATUS = 0x0031
_VL53_RANGE_STATUS = 0x0089
_VL53_RANGE_MM = 0x0096


class TimeOfFlight(RangeSensor):
    """A VL53L1X laser time-of-flight sensor on I2C; light needs no temperature correction."""

    def __init__(self, i2c: "machine.I2C", address: int = 0x29, timeout_ms: int = 200) -> None:
        self._i2c = i2c
        self._address = address
        self._timeout_ms = timeout_ms
        model = self._read(_VL53_MODEL_ID, 1)[0]
        if model != 0xEA:
            raise OSError("VL53L1X not found (model id 0x%02x)" % model)

    def _read(self, register: int, size: int) -> bytes:
        return self._i2c.readfrom_mem(self._address, register, size, addrsize=16)

    def _write(self, register: int, value: int) -> None:
        self._i2c.writeto_mem(self._address, register, bytes((value,)), addrsize=16)

    def ping_mm(self, temperature_c: float) -> "int | None":
        self._write(_VL53_INTERRUPT_CLEAR, 0x01)
        self._write(_VL53_SYSTEM_START, 0x40)
        start = time.ticks_ms()
        try:
            # Data-ready is signalled on bit 0 of the GPIO status, active low by default.
            while self._read(_VL53_GPIO_STATUS, 1)[0] & 0x01:
                if time.ticks_diff(time.ticks_ms(), start) > self._timeout_ms:
                    return None
                time.sleep_ms(5)
            status = self._read(_VL53_RANGE_STATUS, 1)[0] & 0x1F
            raw = self._read(_VL53_RANGE_MM, 2)
        finally:
            self._write(_VL53_SYSTEM_START, 0x00)
        # Status 9 is "range valid"; anything else (signal or sigma fail, wrap-around) is no echo.
        if status != 9:
            return None
        return (raw[0] << 8) | raw[1]


class Thermistor:
    """An NTC thermistor from the supply to the ADC pin with a fixed resistor to ground."""

    def __init__(
        self,
        adc_pin: int,
        supply_uv: int = 3300000,
        fixed_ohm: float = 10000.0,
        nominal_ohm: float = 10000.0,
        beta: float = 3950.0,
    ) -> None:
        self._adc = machine.ADC(machine.Pin(adc_pin))
        self._supply_uv = supply_uv
        self._fixed_ohm = fixed_ohm
        self._nominal_ohm = nominal_ohm
        self._beta = beta

    def celsius(self) -> float:
        """Temperature inside the container (beta equation, nominal at 25 degrees)."""
        uv = self._adc.read_uv()
        if uv <= 0 or uv >= self._supply_uv:
            raise OSError("thermistor open or shorted")
        ntc_ohm = self._fixed_ohm * (self._supply_uv - uv) / uv
        inverse = 1.0 / 298.15 + math.log(ntc_ohm / self._nominal_ohm) / self._beta
        return 1.0 / inverse - 273.15


class Battery:
    """Battery voltage through a resistor divider on an ADC pin."""

    def __init__(self, adc_pin: int, divider: float = 2.0) -> None:
        self._adc = machine.ADC(machine.Pin(adc_pin))
        self._divider = divider

    def volts(self) -> float:
        """Battery voltage, averaged over a few conversions to calm the ADC noise."""
        total = 0
        for _ in range(4):
            total += self._adc.read_uv()
        return total / 4 * self._divider / 1e6


class Switch:
    """A digital input that is active when closed: the tilt or lid switch."""

    def __init__(self, pin: int, active_low: bool = True) -> None:
        self._pin = machine.Pin(pin, machine.Pin.IN, machine.Pin.PULL_UP)
        self._active_low = active_low

    def active(self) -> bool:
        """Whether the switch is closed now."""
        return bool(self._pin.value()) != self._active_low
