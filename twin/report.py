"""The comparison's table and plots."""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from pathlib import Path

from twin.compare import DayResult, PolicyResult

ROWS = (
    ("km", "kilometres", "{:.0f}"),
    ("crew_hours", "crew hours", "{:.1f}"),
    ("collections", "collections", "{:.0f}"),
    ("overflow_bin_hours", "overflow bin-hours", "{:.0f}"),
    ("mean_fill_at_collection", "average fill at collection", "{:.0%}"),
    ("dump_to_cleanup_h_median", "dumping to cleanup, median (h)", "{:.1f}"),
    ("dump_to_cleanup_h_mean", "dumping to cleanup, mean (h)", "{:.1f}"),
    ("dumps_open_at_end", "dumps still open at the end", "{:.0f}"),
)


def table(results: Sequence[PolicyResult]) -> str:
    """A plain-text table: one row per figure, one column per policy, and the change."""
    totals = [r.totals() for r in results]
    names = [r.policy for r in results]
    width = max(len(label) for _, label, _ in ROWS) + 2
    lines = [
        f"{'':<{width}}" + "".join(f"{n:>16}" for n in names) + f"{'change':>10}",
    ]
    for key, label, fmt in ROWS:
        values = [t[key] for t in totals]
        cells = "".join(f"{fmt.format(v) if not math.isnan(v) else '-':>16}" for v in values)
        first, last = values[0], values[-1]
        change = (
            f"{(last - first) / first:+.0%}"
            if first and not math.isnan(first) and not math.isnan(last)
            else ""
        )
        lines.append(f"{label:<{width}}{cells}{change:>10}")
    return "\n".join(lines)


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
    keys = [k for k, _, _ in ROWS[:4]]
    fig, axes = plt.subplots(1, len(keys), figsize=(12, 3.2))
    for ax, key in zip(axes, keys, strict=True):
        ax.bar([r.policy for r in results], [t[key] for t in totals], color=["#999", "#2a7"])
        ax.set_title({k: lbl for k, lbl, _ in ROWS}[key], fontsize=10)
    fig.tight_layout()
    path = folder / "totals.png"
    fig.savefig(path, dpi=110)
    plt.close(fig)
    written.append(path)
    return written
