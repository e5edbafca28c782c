"""The comparison's table and plots."""

from __future__ import annotations

import itertools
import math
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path

from twin.city import build_city
from twin.compare import (
    CompareParams,
    DayResult,
    PolicyResult,
    advice_of,
    compare,
    run_arm,
)

ROWS = (
    ("km", "kilometres", "{:.0f}"),
    ("shifts", "shifts (crews out)", "{:.0f}"),
    ("crew_hours", "crew hours (route)", "{:.1f}"),
    ("collections", "collections", "{:.0f}"),
    ("overflow_bin_hours", "overflow bin-hours", "{:.0f}"),
    ("street_litres", "litter left in the street (l)", "{:.0f}"),
    ("mean_fill_at_collection", "average fill at collection", "{:.0%}"),
    ("dumps_within_24h", "dumps cleared within 24 h", "{:.0%}"),
    ("dumps_within_24h_judged", "  ... of those whose 24 h ran out in the run", "{:.0%}"),
    ("dumps_within_24h_of_known", "  ... within 24 h of the city knowing", "{:.0%}"),
    ("dump_to_cleanup_h_median", "dumping to cleanup, median (h)", "{:.1f}"),
    ("dumps_open_at_end", "dumps still open at the end", "{:.0f}"),
    ("upgrades", "containers upgraded (advice)", "{:.0f}"),
    ("replans", "same-day re-plans (dumps)", "{:.0f}"),
)
COMPARED = ("km", "shifts", "collections", "overflow_bin_hours", "street_litres")


def table_of(names: Sequence[str], totals: Sequence[Mapping[str, float]]) -> str:
    """A plain-text table: one row per figure, one column per arm."""
    width = max(len(label) for _, label, _ in ROWS) + 2
    cols = max(16, *(len(n) + 2 for n in names))
    lines = [f"{'':<{width}}" + "".join(f"{n:>{cols}}" for n in names)]
    for key, label, fmt in ROWS:
        values = [t.get(key, math.nan) for t in totals]
        cells = "".join(f"{fmt.format(v) if not math.isnan(v) else '-':>{cols}}" for v in values)
        lines.append(f"{label:<{width}}{cells}")
    return "\n".join(lines)


def changes_of(names: Sequence[str], totals: Sequence[Mapping[str, float]]) -> str:
    """Each sensor arm against each round, in per cent, for the figures of the targets."""
    lines = []
    by = dict(zip(names, totals, strict=True))
    for arm in (n for n in names if "round" not in n):
        for base in (n for n in names if "round" in n):
            parts = []
            for key in COMPARED:
                a, b = by[arm][key], by[base][key]
                parts.append(f"{key} {(a - b) / b:+.0%}" if b else f"{key} -")
            lines.append(f"{arm} vs {base}: " + ", ".join(parts))
    return "\n".join(lines)


def table(results: Sequence[PolicyResult]) -> str:
    """The table of one run, and the changes."""
    names = [r.policy for r in results]
    totals = [r.totals() for r in results]
    return table_of(names, totals) + "\n\n" + changes_of(names, totals)


Point = tuple[float, float, float]  # (knob value, km, overflow bin-hours)
CURVE_COLOURS = ("#2a7", "#27a", "#a72")


def km_at_overflow(points: Sequence[Point], overflow: float) -> float | None:
    """The km a curve drives at ``overflow`` bin-hours, interpolated linearly between the two
    neighbouring knob values whose overflow brackets it (the lowest such km when the curve
    crosses it more than once); None when no two points bracket it."""
    ordered = sorted(points)
    found = []
    for (_, km_a, over_a), (_, km_b, over_b) in itertools.pairwise(ordered):
        low, high = min(over_a, over_b), max(over_a, over_b)
        if not low <= overflow <= high:
            continue
        if high == low:
            found.append(min(km_a, km_b))
        else:
            found.append(km_a + (km_b - km_a) * (overflow - over_a) / (over_b - over_a))
    if not found:
        exact = [km for _, km, over in ordered if over == overflow]
        return min(exact) if exact else None
    return min(found)


def curve_png(
    curves: Mapping[str, Sequence[Point]],
    baselines: Mapping[str, tuple[float, float]],
    path: Path,
    *,
    knob: str = "overflow cost (EUR per hour)",
) -> Path:
    """The km-vs-overflow trade-off: each arm's curve over the knob's values, the rounds as
    markers."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    path.parent.mkdir(parents=True, exist_ok=True)
    fig, ax = plt.subplots(figsize=(7, 4.5))
    for i, (name, points) in enumerate(curves.items()):
        ordered = sorted(points)
        colour = CURVE_COLOURS[i % len(CURVE_COLOURS)]
        ax.plot(
            [p[1] for p in ordered],
            [p[2] for p in ordered],
            marker="o",
            color=colour,
            label=name,
        )
        for value, km, over in ordered:
            ax.annotate(
                f"{value:g}", (km, over), textcoords="offset points", xytext=(5, 5), fontsize=7
            )
    for name, (km, over) in baselines.items():
        ax.scatter([km], [over], marker="s", s=50, label=name)
    ax.set_xlabel("kilometres (measured period)")
    ax.set_ylabel("overflow bin-hours")
    ax.set_title(f"sensor-driven arms by {knob}", fontsize=10)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    fig.tight_layout()
    fig.savefig(path, dpi=110)
    plt.close(fig)
    return path


def plots(results: Sequence[PolicyResult], folder: Path) -> list[Path]:
    """PNG plots of the daily figures and the cleanup times; returns the files written."""
    import matplotlib

    matplotlib.use("Agg")  # files only, no display
    import matplotlib.pyplot as plt

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    daily: tuple[tuple[str, str, Callable[[DayResult], float]], ...] = (
        ("km", "km per day", lambda d: d.km),
        ("crew_hours", "crew hours per day", lambda d: d.crew_hours),
        ("collections", "collections per day", lambda d: d.collections),
        ("overflow_bin_hours", "overflow bin-hours per day", lambda d: d.overflow_bin_hours),
        (
            "fill_at_collection",
            "average fill at collection",
            lambda d: sum(d.fills) / len(d.fills) if d.fills else math.nan,
        ),
    )
    fig, axes = plt.subplots(len(daily), 1, figsize=(9, 2.4 * len(daily)), sharex=True)
    for ax, (_key, title, value) in zip(axes, daily, strict=True):
        for r in results:
            ax.plot([d.day for d in r.days], [value(d) for d in r.days], label=r.policy, marker=".")
        ax.set_title(title, fontsize=10)
        ax.grid(alpha=0.3)
    axes[0].legend()
    fig.autofmt_xdate()
    fig.tight_layout()
    path = folder / "daily.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)

    fig, ax = plt.subplots(figsize=(7, 3.5))
    ax.boxplot(
        [r.cleanup_hours or [math.nan] for r in results], tick_labels=[r.policy for r in results]
    )
    ax.set_ylabel("hours from dumping to cleanup")
    ax.grid(alpha=0.3)
    fig.tight_layout()
    path = folder / "cleanup.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)

    totals = [r.totals() for r in results]
    keys = list(COMPARED)
    fig, axes = plt.subplots(1, len(keys), figsize=(15, 3.6))
    for ax, key in zip(axes, keys, strict=True):
        ax.bar(
            [r.policy for r in results],
            [t[key] for t in totals],
            color=["#999", "#bbb", "#2a7", "#7c4"][: len(results)],
        )
        ax.set_title({k: lbl for k, lbl, _ in ROWS}[key], fontsize=10)
        ax.tick_params(axis="x", labelrotation=30, labelsize=7)
    fig.tight_layout()
    path = folder / "totals.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)
    return written


KNOB_VALUES = (0.05, 0.1, 0.25)  # overflow cost per hour for the trade-off curve
CURVE_ARMS = ("sensor-driven", "sensor-driven + advice")
TARGET_ROUND = "category round"  # the curves are read at this round's overflow


def run_and_report(
    params: CompareParams,
    folder: Path,
    *,
    curve: Sequence[float] = KNOB_VALUES,
    visits: Sequence[int] = (),
) -> str:
    """Every arm on one seed and window; the table, the plots, totals.json and the curve PNG.

    The curve: both sensor-driven arms (the advice arm with the upgrades advised from the
    product's default run) at each value of the overflow knob, and the km each would drive at
    the category round's overflow. Each of ``visits`` (the second knob: at most that many
    service days a week for an area not served daily) adds the product's curve with it, and the
    advice arm's curve with it: the upgrades advised from the product's default-knob run with
    that calendar (so each container is sized for its area's real wait between service days).
    """
    import dataclasses
    import json

    upgrades: dict[str, tuple[int, int]] = {}
    results = compare(params, advised_out=upgrades)
    folder.mkdir(parents=True, exist_ok=True)
    totals = {r.policy: r.totals() for r in results}
    arms = [arm for arm in CURVE_ARMS if arm in totals]
    curves: dict[str, list[Point]] = {arm: [] for arm in arms}
    # Per calendar (None: the product's default): its parameters, the arms already run at the
    # default knob, and the advice arm's upgrades for it.
    calendars: dict[
        int | None,
        tuple[CompareParams, dict[str, dict[str, float]], dict[str, tuple[int, int]]],
    ] = {None: (params, {arm: totals[arm] for arm in arms}, upgrades)}
    if curve:
        city = build_city(seed=params.seed, bins=params.bins)
        for count in visits:
            with_days = dataclasses.replace(params, max_visits=count)
            default_run, advised_days = advice_of(with_days, city)
            calendars[count] = (with_days, {"sensor-driven": default_run.totals()}, advised_days)
    for value in curve:
        knob = dataclasses.replace(params.horizon, overflow_eur_per_h=value)
        for days, (base, at_default, advised) in calendars.items():
            for arm in arms:
                name = (
                    arm if days is None else f"{arm}, {days} day{'s' if days != 1 else ''} a week"
                )
                if knob == params.horizon and arm in at_default:
                    t = at_default[arm]
                    if days is not None:
                        totals[f"{name}, {value:g} EUR/h"] = t
                else:
                    knobbed = dataclasses.replace(base, horizon=knob)
                    t = run_arm(arm, knobbed, upgrades=advised).totals()
                    totals[f"{name}, {value:g} EUR/h"] = t
                curves.setdefault(name, []).append((value, t["km"], t["overflow_bin_hours"]))
    files = plots(results, folder)
    lines = [table(results), ""]
    lines += [f"{r.policy}: {r.seconds:.0f} s wall, {r.cpu_seconds:.0f} s cpu" for r in results]
    if curve and curves:
        baselines = {
            name: (t["km"], t["overflow_bin_hours"])
            for name, t in totals.items()
            if "round" in name
        }
        files.append(curve_png(curves, baselines, folder / "tradeoff.png"))
        lines += curve_lines(curves, totals.get(TARGET_ROUND))
    (folder / "totals.json").write_text(json.dumps(totals, indent=2), "utf-8")
    lines.append("plots: " + ", ".join(str(f) for f in files))
    return "\n".join(lines)


def curve_lines(
    curves: Mapping[str, Sequence[Point]], target: Mapping[str, float] | None
) -> list[str]:
    """The curves' table, and each arm's km at the category round's overflow."""
    lines = ["", f"{'knob (EUR/h)':<14}" + "".join(f"{arm:>32}" for arm in curves)]
    values = sorted({p[0] for points in curves.values() for p in points})
    for value in values:
        cells = []
        for points in curves.values():
            at = [p for p in points if p[0] == value]
            cells.append(f"{at[0][1]:.0f} km / {at[0][2]:.0f} bin-h" if at else "-")
        lines.append(f"{value:<14g}" + "".join(f"{c:>32}" for c in cells))
    if target is None:
        return lines
    km, over = target["km"], target["overflow_bin_hours"]
    lines.append(f"at the {TARGET_ROUND}'s overflow ({over:.0f} bin-h, {km:.0f} km):")
    for arm, points in curves.items():
        found = km_at_overflow(points, over)
        if found is None and all(p[2] < over for p in points):
            # every knob value leaves less overflow than the round: its fewest km already do
            value, fewest, less = min(points, key=lambda p: p[1])
            lines.append(
                f"  {arm}: less overflow at every knob value; at {value:g} EUR/h {fewest:.0f} km"
                f" ({(fewest - km) / km:+.1%} km) with {less:.0f} bin-h"
            )
        elif found is None:
            lines.append(f"  {arm}: more overflow at every knob value")
        else:
            lines.append(f"  {arm}: {found:.0f} km ({(found - km) / km:+.1%} km)")
    return lines
