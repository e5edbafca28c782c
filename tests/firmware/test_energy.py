"""The energy budget's model (bench/firmware/energy.py): the default policy lasts five years."""

from __future__ import annotations

import importlib.util
import sys
from pathlib import Path
from types import ModuleType

import pytest

ENERGY = Path(__file__).resolve().parents[2] / "bench" / "firmware" / "energy.py"


def _energy() -> ModuleType:
    spec = importlib.util.spec_from_file_location("firmware_energy", ENERGY)
    assert spec is not None
    assert spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    sys.modules[spec.name] = module  # dataclasses look their module up while building
    spec.loader.exec_module(module)
    return module


@pytest.mark.parametrize("radio", ["Wi-Fi", "LTE-M", "NB-IoT"])
def test_default_scenario_lasts_five_years_on_every_radio(radio: str) -> None:
    """The firmware's default policy gives at least five years on the cited figures."""
    energy = _energy()
    chosen = next(r for r in energy.RADIOS if r.name == radio)
    assert energy.budget(chosen, energy.DEFAULT).years >= 5.0


def test_every_figure_names_its_source() -> None:
    """Every phase, sleep current and the cell carry a source."""
    energy = _energy()
    phases = list(energy.MEASURE)
    for radio in energy.RADIOS:
        phases += [*radio.report, *radio.daily]
        assert radio.sleep_source
    assert all(p.source for p in phases)
    assert all(source for _, source in energy.BOARD_SLEEP)
    assert energy.SAFT_LS33600.source


def test_more_reports_cost_battery_life() -> None:
    """Reporting every hour shortens the life against four reports a day, for each radio."""
    energy = _energy()
    four, hourly = energy.SCENARIOS[1], energy.SCENARIOS[3]
    for radio in energy.RADIOS:
        assert energy.budget(radio, hourly).years < energy.budget(radio, four).years
