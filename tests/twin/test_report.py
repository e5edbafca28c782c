"""The comparison report's trade-off curves."""

from __future__ import annotations

from pathlib import Path

import pytest

from twin.report import curve_lines, curve_png, km_at_overflow


def test_km_at_overflow_interpolates_between_the_knob_values_that_bracket_it() -> None:
    """The km at an overflow between two knob values' overflows lies on the line between them."""
    points = [(0.0, 1000.0, 9000.0), (0.05, 1400.0, 5000.0), (0.1, 1800.0, 3000.0)]
    assert km_at_overflow(points, 7000.0) == pytest.approx(1200.0)
    assert km_at_overflow(points, 3000.0) == pytest.approx(1800.0)


def test_km_at_overflow_is_none_when_no_knob_value_reaches_it() -> None:
    """An overflow beyond every knob value's overflow is not read off the curve."""
    points = [(0.0, 1000.0, 9000.0), (0.1, 1800.0, 3000.0)]
    assert km_at_overflow(points, 12000.0) is None


def test_the_curve_report_reads_both_arms_at_the_category_rounds_overflow() -> None:
    """Each arm's km at the category round's overflow is reported against that round's km."""
    curves = {
        "sensor-driven": [(0.0, 1000.0, 9000.0), (0.1, 1800.0, 3000.0)],
        "sensor-driven + advice": [(0.0, 900.0, 6000.0), (0.1, 1700.0, 2000.0)],
    }
    text = "\n".join(curve_lines(curves, {"km": 2000.0, "overflow_bin_hours": 7000.0}))
    assert "sensor-driven: 1267 km (-36.7% km)" in text
    assert "sensor-driven + advice: less overflow at every knob value; at 0 EUR/h 900 km" in text


def test_the_curve_report_says_when_every_knob_value_overflows_more_than_the_round() -> None:
    """An arm that overflows more than the category round at every knob value is named so."""
    curves = {"sensor-driven": [(0.0, 1000.0, 9000.0), (0.1, 1800.0, 8000.0)]}
    text = "\n".join(curve_lines(curves, {"km": 2000.0, "overflow_bin_hours": 7000.0}))
    assert "sensor-driven: more overflow at every knob value" in text


def test_the_curve_png_draws_one_line_per_arm(tmp_path: Path) -> None:
    """The trade-off plot takes several arms' curves and writes a PNG."""
    curves = {
        "sensor-driven": [(0.0, 1000.0, 9000.0), (0.1, 1800.0, 3000.0)],
        "sensor-driven + advice": [(0.0, 900.0, 6000.0), (0.1, 1700.0, 2000.0)],
    }
    path = curve_png(curves, {"category round": (2000.0, 7000.0)}, tmp_path / "t.png")
    assert path.read_bytes().startswith(b"\x89PNG")
