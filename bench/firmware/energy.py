"""Energy budget of the bin sensor node: battery life for a named cell at a reporting policy.

Run: .venv/bin/python bench/firmware/energy.py [--measure-every-h 1] [--upload-every-h 6]

The model sums charge per phase (awake time x current) for a measurement wake-up and for the
extra work of a report, adds the deep-sleep floor, and divides the cell's usable capacity by the
yearly draw plus the cell's own self-discharge. Figures are datasheet values for an ESP32-WROOM-32
module, a JSN-SR04T sensor and a Saft LS33600 cell, rounded up; see firmware/README.md.
"""

from __future__ import annotations

import argparse
from dataclasses import dataclass

SECONDS_PER_DAY = 86_400
DAYS_PER_YEAR = 365.25


@dataclass(frozen=True, slots=True)
class Phase:
    """One stretch of a wake-up at a roughly constant current."""

    name: str
    seconds: float
    milliamps: float

    @property
    def charge_mas(self) -> float:
        """Charge in milliampere-seconds."""
        return self.seconds * self.milliamps


@dataclass(frozen=True, slots=True)
class Cell:
    """A primary battery."""

    name: str
    nominal_mah: float
    usable_fraction: float  # what is left after cold, pulse loads and the end-of-life voltage
    self_discharge_per_year: float  # fraction of the nominal capacity


# Every wake-up: deep-sleep reset, MicroPython start, measure, store, sleep.
MEASURE_PHASES = (
    Phase("boot: ROM loader, MicroPython, frozen modules", 0.45, 50.0),
    Phase("sensor power-up and settle (JSN-SR04T + CPU)", 0.10, 58.0),
    Phase("5 pings, 60 ms apart, median", 0.30, 58.0),
    Phase("thermistor, battery ADC, RTC memory write", 0.05, 50.0),
)
# Added when the node reports: radio up, time sync, TLS + MQTT session, radio down.
REPORT_PHASES = (
    Phase("Wi-Fi association and DHCP", 2.00, 120.0),
    Phase("NTP time sync", 0.15, 110.0),
    Phase("TLS handshake, MQTT connect/subscribe/publish with PUBACKs", 1.20, 110.0),
    Phase("disconnect, radio off", 0.05, 50.0),
)
# ESP32 deep sleep with RTC timer and RTC memory ~10 uA, LDO quiescent ~5 uA, switched-off sensor,
# thermistor and divider leakage ~5 uA; rounded up.
SLEEP_MICROAMPS = 25.0
SAFT_LS33600 = Cell(
    name="Saft LS33600 (Li-SOCl2, D size, 3.6 V, 17 Ah)",
    nominal_mah=17_000.0,
    usable_fraction=0.8,
    self_discharge_per_year=0.01,
)


@dataclass(frozen=True, slots=True)
class Budget:
    """The result of the model for one policy."""

    measurements_per_day: float
    reports_per_day: float
    measure_mas: float
    report_mas: float
    sleep_mah_per_day: float
    mah_per_day: float
    years: float


def budget(
    *,
    measure_every_h: float,
    upload_every_h: float,
    extra_reports_per_day: float = 0.0,
    cell: Cell = SAFT_LS33600,
    sleep_ua: float = SLEEP_MICROAMPS,
) -> Budget:
    """Battery life in years at a measurement and upload interval (plus extra reports a day)."""
    measurements = 24 / measure_every_h
    reports = 24 / upload_every_h + extra_reports_per_day
    measure = sum(p.charge_mas for p in MEASURE_PHASES)
    report = sum(p.charge_mas for p in REPORT_PHASES)
    awake_s = measurements * sum(p.seconds for p in MEASURE_PHASES) + reports * sum(
        p.seconds for p in REPORT_PHASES
    )
    sleep = sleep_ua / 1000 * (SECONDS_PER_DAY - awake_s) / 3600
    per_day = (measurements * measure + reports * report) / 3600 + sleep
    usable = cell.nominal_mah * cell.usable_fraction
    per_year = per_day * DAYS_PER_YEAR + cell.nominal_mah * cell.self_discharge_per_year
    return Budget(measurements, reports, measure, report, sleep, per_day, usable / per_year)


def main() -> None:
    """Print the phases, the daily charge and the battery life."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--measure-every-h", type=float, default=1.0)
    parser.add_argument("--upload-every-h", type=float, default=6.0)
    args = parser.parse_args()
    print(f"cell: {SAFT_LS33600.name}, usable {SAFT_LS33600.usable_fraction:.0%}, "
          f"self-discharge {SAFT_LS33600.self_discharge_per_year:.0%}/year")  # fmt: skip
    for title, phases in (("every wake-up", MEASURE_PHASES), ("each report adds", REPORT_PHASES)):
        print(f"{title}:")
        for p in phases:
            print(
                f"  {p.name:<62} {p.seconds:5.2f} s x {p.milliamps:5.1f} mA = {p.charge_mas:6.1f} mAs"
            )
    print(f"deep sleep: {SLEEP_MICROAMPS:.0f} uA")
    per_day = 24 / args.upload_every_h
    scenarios = (
        ("policy as asked", 0.0),
        ("plus 4 extra reports/day (changes, nearly full bins, alarms)", 4.0),
        (
            "worst case: every measurement reported (bin always full)",
            24 / args.measure_every_h - per_day,
        ),
    )
    for label, extra in scenarios:
        b = budget(
            measure_every_h=args.measure_every_h,
            upload_every_h=args.upload_every_h,
            extra_reports_per_day=extra,
        )
        print(
            f"{label}: measure every {args.measure_every_h:g} h, {b.reports_per_day:g} reports/day -> "
            f"{b.mah_per_day:.2f} mAh/day (sleep {b.sleep_mah_per_day:.2f}), "
            f"battery life {b.years:.1f} years"
        )
    print("note: Li-SOCl2 bobbin cells are rated for up to about 20 years of service; beyond that")
    print("      the cell, not the budget, is the limit.")


if __name__ == "__main__":
    main()
