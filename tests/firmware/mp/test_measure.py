"""Measurement under MicroPython: temperature compensation, median, blind zone, no echo, geometry."""

import sim
from binsensor.measure import (
    Geometry,
    assess,
    echo_to_mm,
    speed_of_sound_m_s,
)
from helpers import check, equal, provision, set_scene

BIN = Geometry(1000, sensor_offset_mm=100, blind_zone_mm=200)


def test_speed_of_sound_follows_temperature():
    """Sound is about 0.6 m/s faster per degree: 331.3 m/s at 0 and about 343 m/s at 20 degrees."""
    check(abs(speed_of_sound_m_s(0.0) - 331.3) < 0.01)
    check(abs(speed_of_sound_m_s(20.0) - 343.2) < 0.2)
    check(speed_of_sound_m_s(-10.0) < speed_of_sound_m_s(35.0))


def test_temperature_compensation_recovers_the_true_distance():
    """The same 800 mm gives different echo times in frost and heat, yet both read 800 mm."""
    for celsius in (-15.0, 0.0, 20.0, 38.0):
        echo = int(800 * 2000 / speed_of_sound_m_s(celsius) + 0.5)
        check(abs(echo_to_mm(echo, celsius) - 800) <= 1, "at %s C" % celsius)
    cold_echo = int(800 * 2000 / speed_of_sound_m_s(-15.0))
    # Without compensation (assuming 20 degrees) a frosty bin would read 55 mm too far.
    check(echo_to_mm(cold_echo, 20.0) - 800 > 50)


def test_node_measures_with_the_thermistor_temperature():
    """The node reads the thermistor and uses it for the echo, so a -10 degree bin reads right."""
    provision()
    set_scene(550, celsius=-10.0, battery_v=3.55)
    from binsensor.board import Board
    from binsensor.config import load_device_config
    from binsensor.node import Node

    config = load_device_config()
    node = Node(config, Board(config))
    reading = node.measure(sim.clock_s, 7)
    check(abs(reading.temperature_c - -10.0) < 0.2, "temperature %r" % reading.temperature_c)
    check(abs(reading.distance_mm - 550) <= 1, "distance %r" % reading.distance_mm)
    equal(reading.quality, "ok")
    equal(reading.fill, 0.5)
    check(abs(reading.battery_v - 3.55) < 0.005)
    equal(reading.seq, 7)


def test_median_ignores_a_single_wild_ping():
    """One ping off the lid edge does not move the reading: the median of the rest wins."""
    result = assess([600, 602, 150, 598, 601], BIN)
    equal(result.quality, "ok")
    equal(result.distance_mm, 600)


def test_no_echo_is_unknown_not_empty():
    """When nothing answers, distance and fill are unknown and flagged, never reported as empty."""
    result = assess([None, None, None, None, None], BIN)
    equal(result.quality, "no_echo")
    equal(result.distance_mm, None)
    equal(result.fill, None)


def test_node_reports_no_echo_from_a_silent_sensor():
    """A sensor whose echo times out gives a no_echo reading through the real driver."""
    provision()
    set_scene(500)
    sim.last_echo_us = -1
    from binsensor.board import Board
    from binsensor.config import load_device_config
    from binsensor.node import Node

    config = load_device_config()
    reading = Node(config, Board(config)).measure(sim.clock_s, 0)
    equal((reading.quality, reading.distance_mm, reading.fill), ("no_echo", None, None))


def test_blind_zone_counts_as_full_and_is_flagged():
    """A surface closer than the blind zone cannot be measured: full, flagged, no distance."""
    result = assess([120, 118, 121, 119, 122], BIN)
    equal(result.quality, "blind_zone")
    equal(result.distance_mm, None)
    equal(result.fill, 1.0)


def test_beyond_the_floor_is_out_of_range():
    """An echo from beyond the bin's floor is rejected as out of range, not taken as empty."""
    result = assess([1400, 1401, 1399], BIN)
    equal(result.quality, "out_of_range")
    equal(result.fill, None)
    # Within the floor tolerance, it is simply an empty bin.
    equal(assess([1020, 1020, 1021], BIN).fill, 0.0)


def test_disagreeing_pings_are_unstable():
    """Pings scattered by a swinging bag are flagged unstable rather than averaged into a number."""
    result = assess([300, 700, 500, 900, None], BIN)
    equal(result.quality, "unstable")
    equal(result.fill, None)


def test_fill_follows_the_geometry():
    """Straight walls fill linearly; a bin wider at the top holds less than half at half height."""
    equal(BIN.fill_fraction(1000), 0.0)
    equal(BIN.fill_fraction(550), 0.5)
    equal(BIN.fill_fraction(100), 1.0)
    equal(BIN.fill_fraction(50), 1.0)
    tapered = Geometry(1000, sensor_offset_mm=100, top_bottom_area_ratio=2.25)
    half = tapered.fill_fraction(550)
    check(0.3 < half < 0.45, "tapered half-height fill %r" % half)
    equal(tapered.fill_fraction(100), 1.0)


def test_time_of_flight_driver_reads_the_range():
    """The VL53L1X driver returns the range when the status is valid and None otherwise."""
    import machine
    from binsensor.drivers import TimeOfFlight

    sim.i2c_registers.update({0x010F: 0xEA, 0x0031: 0x00, 0x0089: 9, 0x0096: 0x02, 0x0097: 0x58})
    sensor = TimeOfFlight(machine.I2C(0))
    equal(sensor.ping_mm(20.0), 600)
    sim.i2c_registers[0x0089] = 4  # signal fail: nothing seen
    equal(sensor.ping_mm(20.0), None)
