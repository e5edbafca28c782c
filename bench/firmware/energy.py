"""Energy budget of the bin sensor node, per radio, on cited datasheet figures.

Run: .venv/bin/python bench/firmware/energy.py            (the table of all scenarios)
     .venv/bin/python bench/firmware/energy.py --phases   (and every phase with its source)

The model sums charge per phase (time x current) for a measurement wake-up and for the extra work
of a report over Wi-Fi, LTE-M or NB-IoT, adds the sleep floor of the whole board (MCU, regulator,
modem in PSM, buffer capacitor leakage, load switch), and divides the cell's usable capacity
(after end-of-life voltage, pulse loads and cold) by the yearly draw plus self-discharge.

Currents are the cited datasheet figures, typical values rounded up. Durations of the network
phases depend on the operator and the cell; where no datasheet gives them, the figure is a stated
assumption (source "assumption: ...") on the cautious side, to be replaced by a measurement on the
city's network (docs: firmware/README.md, "Energy budget").
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

SECONDS_PER_DAY = 86_400
DAYS_PER_YEAR = 365.25

ESP32 = "Espressif ESP32 Series Datasheet v4.x, table 'Power consumption by power modes'"
ESP32_RF = "Espressif ESP32 Series Datasheet v4.x, table 'RF power consumption'"
SIM7080 = "SIMCom SIM7080G Hardware Design V1.0x, table 'Current consumption on VBAT'"
JSN = "JSN-SR04T-2.0 datasheet: working current < 8 mA"
SAFT = "Saft LS33600 datasheet (17 Ah at 2 mA +20 °C to 2.0 V; < 1 %/year self-discharge at +20 °C)"
REGULATOR = "Torex XC6220 datasheet: supply current 8 µA typ (1 A LDO, 3.3 V)"
CAPACITOR = "1 F / 5.5 V supercapacitor, leakage after 72 h ≤ 5 µA (Eaton PowerStor KR class)"
LOAD_SWITCH = "TI TPS22860 datasheet: off-state supply + leakage < 1 µA (sensor, NTC, divider rail)"


@dataclass(frozen=True, slots=True)
class Phase:
    """One stretch of a wake-up at a roughly constant current."""

    name: str
    seconds: float
    milliamps: float
    source: str

    def __post_init__(self) -> None:
        if self.seconds < 0 or self.milliamps < 0:
            raise ValueError(f"phase {self.name!r}: negative time or current")

    @property
    def charge_mas(self) -> float:
        """Charge in milliampere-seconds."""
        return self.seconds * self.milliamps


@dataclass(frozen=True, slots=True)
class Cell:
    """A primary battery and what of it a bin sensor can really use."""

    name: str
    nominal_mah: float
    end_of_life_fraction: float  # left after the pulse loads hit the cut-off voltage
    cold_fraction: float  # left after the winter's lower capacity
    self_discharge_per_year: float  # fraction of the nominal capacity
    source: str

    def __post_init__(self) -> None:
        fractions = (
            self.end_of_life_fraction,
            self.cold_fraction,
            1 - self.self_discharge_per_year,
        )
        if self.nominal_mah <= 0 or not all(0 < f <= 1 for f in fractions):
            raise ValueError(f"cell {self.name!r}: capacity and fractions out of range")

    @property
    def usable_mah(self) -> float:
        """Nominal capacity after end-of-life voltage and cold derating."""
        return self.nominal_mah * self.end_of_life_fraction * self.cold_fraction


@dataclass(frozen=True, slots=True)
class Radio:
    """How a node reports: the phases a report adds, and what the radio draws asleep."""

    name: str
    report: tuple[Phase, ...]
    sleep_ua: float
    sleep_source: str
    daily: tuple[Phase, ...] = ()  # once a day whatever happens (a periodic tracking area update)
    # A full network attach (power-on, or after the node switched the module off for lack of
    # coverage): counted ATTACHES_PER_YEAR times.
    attach: tuple[Phase, ...] = ()


# Every wake-up: deep-sleep reset, MicroPython start (frozen modules), measure, store, sleep.
MEASURE = (
    Phase("boot: ROM loader, MicroPython, frozen modules (CPU 160 MHz)", 0.45, 44.0, ESP32),
    Phase("sensor rail on, JSN-SR04T settles", 0.10, 44.0 + 8.0, f"{ESP32}; {JSN}"),
    Phase("5 pings 60 ms apart, median", 0.30, 44.0 + 8.0, f"{ESP32}; {JSN}"),
    Phase("thermistor, battery ADC, RTC memory write", 0.05, 44.0, ESP32),
)
_MCU = 44.0  # ESP32 at 160 MHz, radio off ("modem-sleep"), upper typical figure
# While the module does the talking the firmware runs the ESP32 at 80 MHz (Board.link_up):
_MCU_80 = 31.0  # ESP32 at 80 MHz, radio off, upper typical figure
_TLS_NOTE = "assumption: TLS 1.2 with ECDHE and a 2-certificate chain, 4 round trips"

WIFI = Radio(
    name="Wi-Fi",
    report=(
        Phase("Wi-Fi association and DHCP (RX mostly)", 2.00, 120.0, ESP32_RF),
        Phase("NTP time sync", 0.15, 120.0, ESP32_RF),
        Phase(f"TLS handshake ({_TLS_NOTE})", 0.60, 130.0, ESP32_RF),
        Phase("MQTT connect, subscribe, status, readings, PUBACKs", 0.60, 130.0, ESP32_RF),
        Phase("disconnect, radio off", 0.05, _MCU, ESP32),
    ),
    sleep_ua=0.0,
    sleep_source="radio off in deep sleep",
)
LTE_M = Radio(
    name="LTE-M",
    report=(
        Phase(
            "PWRKEY pulse wakes the module from PSM, AT sync",
            1.20,
            _MCU_80 + 6.0,
            f"{ESP32}; {SIM7080}",
        ),
        Phase(
            "RRC connection (registration and PDP kept in PSM)",
            0.50,
            _MCU_80 + 100.0,
            f"{SIM7080}; assumption: 0.5 s random access and setup",
        ),
        Phase(
            f"TLS handshake on the module ({_TLS_NOTE}, ~150 ms RTT)",
            2.00,
            _MCU_80 + 120.0,
            f"{SIM7080}; assumption",
        ),
        Phase(
            "MQTT connect, subscribe, status, 2 reading messages, PUBACKs",
            3.00,
            _MCU_80 + 120.0,
            f"{SIM7080}; assumption: 6 round trips",
        ),
        Phase(
            "RRC inactivity tail in connected-mode DRX (ESP32 asleep)",
            10.0,
            15.0,
            f"{SIM7080}; assumption: 10 s network inactivity timer",
        ),
        Phase("T3324 active time in idle before PSM (4 s requested)", 4.00, 2.0, SIM7080),
    ),
    sleep_ua=3.4,
    sleep_source=f"{SIM7080}: PSM 3.4 µA typ",
    daily=(
        Phase("periodic tracking area update (T3412 = 24 h)", 2.0, 100.0, f"{SIM7080}; assumption"),
    ),
    attach=(
        Phase(
            "cell search, attach, PDP context (ESP32 polling)",
            10.0,
            _MCU_80 + 80.0,
            f"{SIM7080}; assumption: 10 s LTE-M attach",
        ),
    ),
)
NB_IOT = Radio(
    name="NB-IoT",
    report=(
        Phase("PWRKEY pulse wakes the module from PSM, AT sync", 1.20, _MCU_80 + 6.0, f"{ESP32}; {SIM7080}"),
        Phase("RRC connection (registration and PDP kept in PSM)", 1.50, _MCU_80 + 90.0,
              f"{SIM7080}; assumption: NB-IoT random access with repetitions"),
        Phase(f"TLS handshake on the module ({_TLS_NOTE}, ~1 s RTT)", 6.00, _MCU_80 + 110.0,
              f"{SIM7080}; assumption"),
        Phase("MQTT connect, subscribe, status, 2 reading messages, PUBACKs", 8.00, _MCU_80 + 110.0,
              f"{SIM7080}; assumption: 6 round trips at NB-IoT latency"),
        Phase("RRC inactivity tail (ESP32 asleep)", 20.0, 10.0,
              f"{SIM7080}; assumption: 20 s network inactivity timer"),
        Phase("T3324 active time in idle before PSM (4 s requested)", 4.00, 2.0, SIM7080),
    ),
    sleep_ua=3.4,
    sleep_source=f"{SIM7080}: PSM 3.4 µA typ",
    daily=(Phase("periodic tracking area update (T3412 = 24 h)", 4.0, 90.0, f"{SIM7080}; assumption"),),
    attach=(Phase("cell search, attach, PDP context (ESP32 polling)", 30.0, _MCU_80 + 70.0,
                  f"{SIM7080}; assumption: 30 s NB-IoT attach with repetitions"),),
)  # fmt: skip
RADIOS = (WIFI, LTE_M, NB_IOT)
# A try that finds no network, by radio: Wi-Fi gives up when the access point is missing (three
# attempts of about 3 s); the module searches for register_timeout_s (120 s) once per wake-up.
FAILED_TRY = {
    "Wi-Fi": Phase("3 attempts: scan, access point missing", 9.0, 120.0, ESP32_RF),
    "LTE-M": Phase("cell search until register_timeout_s (120 s)", 120.0, _MCU_80 + 80.0,
                   f"{ESP32}; {SIM7080}"),
    "NB-IoT": Phase("cell search until register_timeout_s (120 s)", 120.0, _MCU_80 + 70.0,
                    f"{ESP32}; {SIM7080}"),
}  # fmt: skip
OFFLINE_TRIES_PER_DAY = 8  # the back-off: half of the 6 h heartbeat
ATTACHES_PER_YEAR = 52  # a weekly loss of coverage or module restart, on the cautious side

# The board asleep, whatever the radio (µA, source).
BOARD_SLEEP = (
    (10.0, f"ESP32 deep sleep, RTC timer and RTC memory on: {ESP32}"),
    (8.0, f"3.3 V regulator quiescent current: {REGULATOR}"),
    (5.0, f"buffer capacitor across the cell for the radio's pulses: {CAPACITOR}"),
    (1.0, f"sensor, thermistor and battery divider switched off: {LOAD_SWITCH}"),
)
SAFT_LS33600 = Cell(
    name="Saft LS33600 (Li-SOCl2, D, 3.6 V, 17 Ah)",
    nominal_mah=17_000.0,
    # Pulses of 100-250 mA on an aged bobbin cell hit 3.0 V before the cell is empty; the
    # capacitor carries the pulses, but a quarter is kept back for them.
    end_of_life_fraction=0.75,
    # Saft's capacity-versus-temperature curve: roughly 10 % less at 0 °C than at +20 °C at
    # these currents; Kortrijk's winter months average 3-4 °C.
    cold_fraction=0.90,
    # < 1 %/year at +20 °C; a bin in the sun spends summer days at 40-60 °C: counted twice.
    self_discharge_per_year=0.02,
    source=SAFT,
)


@dataclass(frozen=True, slots=True)
class Scenario:
    """A reporting policy: hourly measurement, so many reports and alarms a day."""

    name: str
    measure_every_h: float
    reports_per_day: float
    alarms_per_day: float = 0.0

    def __post_init__(self) -> None:
        if self.measure_every_h <= 0 or self.reports_per_day < 0 or self.alarms_per_day < 0:
            raise ValueError(f"scenario {self.name!r}: intervals and counts must be positive")


# The firmware's defaults (firmware/binsensor/config.py): measure hourly, heartbeat every 6 h,
# plus reports on changes; "default" counts 2 change reports a day on top of the heartbeat.
DEFAULT = Scenario("default: hourly, heartbeat 6 h + 2 change reports", 1.0, 6.0)
SCENARIOS = (
    Scenario("hourly, 1 upload a day", 1.0, 1.0),
    Scenario("hourly, 4 uploads a day", 1.0, 4.0),
    DEFAULT,
    Scenario("hourly, 24 uploads a day", 1.0, 24.0),
    Scenario("hourly, 4 uploads + 4 alarms a day", 1.0, 4.0, 4.0),
)


@dataclass(frozen=True, slots=True)
class Budget:
    """The model's result for one radio and scenario."""

    radio: str
    scenario: str
    measure_mas: float
    report_mas: float
    sleep_ua: float
    mah_per_day: float
    years: float


def sleep_microamps(radio: Radio) -> float:
    """The whole board asleep with this radio."""
    return sum(ua for ua, _ in BOARD_SLEEP) + radio.sleep_ua


def budget(radio: Radio, scenario: Scenario, cell: Cell = SAFT_LS33600) -> Budget:
    """Battery life in years for a radio and a reporting policy."""
    measurements = 24 / scenario.measure_every_h
    reports = scenario.reports_per_day + scenario.alarms_per_day
    measure = sum(p.charge_mas for p in MEASURE)
    report = sum(p.charge_mas for p in radio.report)
    daily = sum(p.charge_mas for p in radio.daily) if reports < 1 else 0.0  # a report resets T3412
    awake_s = measurements * sum(p.seconds for p in MEASURE) + reports * sum(
        p.seconds for p in radio.report
    )
    asleep_ua = sleep_microamps(radio)
    sleep_mah = asleep_ua / 1000 * max(0.0, SECONDS_PER_DAY - awake_s) / 3600
    attach = sum(p.charge_mas for p in radio.attach) * ATTACHES_PER_YEAR / DAYS_PER_YEAR
    per_day = (measurements * measure + reports * report + daily + attach) / 3600 + sleep_mah
    per_year = per_day * DAYS_PER_YEAR + cell.nominal_mah * cell.self_discharge_per_year
    return Budget(
        radio.name, scenario.name, measure, report, asleep_ua, per_day, cell.usable_mah / per_year
    )


def offline_mah_per_day(radio: Radio) -> float:
    """What a day without network costs: hourly measurements and a failed try per back-off."""
    measure = 24 * sum(p.charge_mas for p in MEASURE)
    tries = OFFLINE_TRIES_PER_DAY * FAILED_TRY[radio.name].charge_mas
    return (measure + tries) / 3600 + sleep_microamps(radio) / 1000 * 24


def table() -> list[Budget]:
    """Every radio in every scenario."""
    return [budget(radio, scenario) for scenario in SCENARIOS for radio in RADIOS]


def main() -> None:
    """Print the assumptions, then the table of battery lives."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--phases", action="store_true", help="print every phase and its source")
    args = parser.parse_args()
    cell = SAFT_LS33600
    print(f"cell: {cell.name}; {cell.source}")
    print(f"  usable {cell.usable_mah:.0f} mAh = {cell.nominal_mah:.0f} x {cell.end_of_life_fraction:.0%}"
          f" end-of-life x {cell.cold_fraction:.0%} cold; self-discharge {cell.self_discharge_per_year:.0%}"
          f"/year of nominal")  # fmt: skip
    if args.phases:
        print("every wake-up:")
        for p in MEASURE:
            print(f"  {p.name:<64} {p.seconds:5.2f} s x {p.milliamps:6.1f} mA  [{p.source}]")
        for radio in RADIOS:
            print(f"each report over {radio.name}:")
            for p in radio.report + radio.daily + radio.attach:
                print(f"  {p.name:<64} {p.seconds:5.2f} s x {p.milliamps:6.1f} mA  [{p.source}]")
        print("asleep:")
        for ua, source in BOARD_SLEEP:
            print(f"  {ua:5.1f} µA  {source}")
        for radio in RADIOS:
            print(f"  {radio.sleep_ua:5.1f} µA  {radio.name}: {radio.sleep_source}")
    print()
    print(f"{'scenario':<52} {'radio':<7} {'report':>9} {'sleep':>7} {'per day':>10} {'life':>8}")
    for b in table():
        print(
            f"{b.scenario:<52} {b.radio:<7} {b.report_mas:7.0f} mAs {b.sleep_ua:5.1f} µA "
            f"{b.mah_per_day:6.2f} mAh {b.years:5.1f} y"
        )
    measure = sum(p.charge_mas for p in MEASURE)
    print(f"\nevery wake-up (measure, keep, sleep): {measure:.1f} mAs")
    for radio in RADIOS:
        print(f"without network, {radio.name}: {offline_mah_per_day(radio):.1f} mAh/day")
    print("Li-SOCl2 bobbin cells are rated for about 20 years of service: beyond that the cell,")
    print("not the budget, is the limit.")


if __name__ == "__main__":
    main()
