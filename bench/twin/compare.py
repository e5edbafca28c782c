"""The rounds against the sensor-driven product on the Kortrijk twin, over seeds and windows.

    .venv/bin/python bench/twin/compare.py --seeds 7,11,3,21 --windows autumn,summer,holiday --jobs 2

Each (seed, window) runs every arm of ``twin.compare.compare`` (the same as ``nettestad
compare``) in one process; ``--jobs 2`` runs two of them at a time. Prints each run's table
line, the wall-clock seconds of every arm, and per window the means over the seeds with the
changes the targets are about. Everything goes to ``--out``/results.json as well. ``--arms``
runs some arms only (the runs are deterministic: an arm whose code did not change gives the
same figures as before).
"""

from __future__ import annotations

import argparse
import json
import os
import statistics
from concurrent.futures import ProcessPoolExecutor
from pathlib import Path

from twin.compare import ARMS, WINDOWS, CompareParams, compare
from twin.report import changes_of, table_of


def _run(
    seed: int, window: str, weeks: int, bins: int, arms: tuple[str, ...] = ARMS
) -> dict[str, object]:
    params = CompareParams(weeks=weeks, seed=seed, bins=bins, first_day=WINDOWS[window])
    results = compare(params, arms)
    return {
        "seed": seed,
        "window": window,
        "totals": {r.policy: r.totals() for r in results},
        "seconds": {r.policy: r.seconds for r in results},
        "cpu_seconds": {r.policy: r.cpu_seconds for r in results},
        "load": os.getloadavg()[0],
    }


def _load() -> str:
    return " ".join(f"{x:.1f}" for x in os.getloadavg())


def main() -> None:
    """Run every arm on every seed and window; print the tables and the means."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--seeds", default="7,11,3,21")
    parser.add_argument("--windows", default="autumn,summer,holiday")
    parser.add_argument("--bins", type=int, default=300)
    parser.add_argument("--jobs", type=int, default=1, help="processes")
    parser.add_argument(
        "--arms",
        default=",".join(ARMS),
        help="comma-separated arms (default: all); the advice arm needs sensor-driven before it",
    )
    parser.add_argument("--out", type=Path, default=Path(__file__).parent / "out")
    args = parser.parse_args()
    seeds = [int(s) for s in args.seeds.split(",")]
    windows = [w for w in args.windows.split(",") if w]
    arms = tuple(a for a in args.arms.split(",") if a)
    unknown = set(arms) - set(ARMS)
    if unknown:
        parser.error(f"unknown arms: {', '.join(sorted(unknown))}")
    print(f"load average at start: {_load()}", flush=True)
    runs = []
    with ProcessPoolExecutor(max_workers=max(1, args.jobs)) as pool:
        futures = [
            pool.submit(_run, seed, window, args.weeks, args.bins, arms)
            for window in windows
            for seed in seeds
        ]
        for future in futures:  # in order; each finished run is saved at once
            run = future.result()
            runs.append(run)
            totals = run["totals"]
            assert isinstance(totals, dict)
            secs, cpu = run["seconds"], run["cpu_seconds"]
            assert isinstance(secs, dict)
            assert isinstance(cpu, dict)
            cells = ", ".join(
                f"{a}: {t['km']:.0f} km / {t['overflow_bin_hours']:.0f} bin-h / "
                f"{100 * t['dumps_within_24h']:.0f} % dumps <= 24 h "
                f"[{100 * t.get('dumps_within_24h_judged', float('nan')):.0f} % of judged] "
                f"({100 * t.get('dumps_within_24h_of_known', float('nan')):.0f} % of known) / "
                f"{secs[a]:.0f} s wall, {cpu[a]:.0f} s cpu"
                for a, t in totals.items()
            )
            print(f"seed {run['seed']} {run['window']}: {cells} (load {_load()})", flush=True)
            args.out.mkdir(parents=True, exist_ok=True)
            (args.out / "results.json").write_text(json.dumps(runs, indent=2), "utf-8")
    print(f"load average at end: {_load()}")
    for window in windows:
        mine = [r for r in runs if r["window"] == window]
        means = []
        for arm in arms:
            per_seed = [r["totals"][arm] for r in mine]  # type: ignore[index]
            means.append({k: statistics.fmean(t[k] for t in per_seed) for k in per_seed[0]})
        print(f"\n{window}: mean of seeds {','.join(map(str, seeds))}, {args.weeks} weeks\n")
        print(table_of(arms, means))
        print()
        print(changes_of(arms, means))


if __name__ == "__main__":
    main()
