"""Variants of the periodic plan (service days per area) on the twin: kilometres against overflow.

    .venv/bin/python bench/twin/calendar_variants.py --seeds 7,11 --variants default,sectors2,nosunday

Runs the sensor-driven product (``twin.compare``'s arm) with the periodic plan that
``routing.servicedays.propose`` makes, changed as the variant says:

- ``default``: the product's proposal (three sectors of the city by bearing from the depot);
- ``sectors2``: two sectors (Monday/Thursday and Tuesday/Friday) instead of three;
- ``nosunday``: the areas served every day are not served on Sunday (their urgent containers
  are then priced as on any other off-day).

Prints each run's kilometres, overflow bin-hours and shifts (four weeks after the warm-up).
"""

from __future__ import annotations

import argparse
import functools
import os
from collections.abc import Callable, Iterable
from unittest import mock

from routing import servicedays
from routing.horizon import WEEK, ServiceCalendar
from twin.city import build_city
from twin.compare import WINDOWS, CompareParams, product, run_policy

Propose = Callable[..., ServiceCalendar]


def _no_sunday(needs: Iterable[servicedays.ContainerNeed], **kw: object) -> ServiceCalendar:
    calendar = servicedays.propose(needs, **kw)  # type: ignore[arg-type]
    return ServiceCalendar(
        {k: (v - {6} if len(v) == WEEK else v) for k, v in calendar.weekdays.items()}
    )


VARIANTS: dict[str, Propose] = {
    "default": servicedays.propose,
    "sectors2": functools.partial(servicedays.propose, sectors=2),
    "nosunday": _no_sunday,
}


def main() -> None:
    """Run the product under each variant of its periodic plan."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--seeds", default="7,11")
    parser.add_argument("--weeks", type=int, default=4)
    parser.add_argument("--window", default="autumn", choices=sorted(WINDOWS))
    parser.add_argument("--variants", default="default,sectors2,nosunday")
    args = parser.parse_args()
    print(f"load average at start: {os.getloadavg()[0]:.1f}", flush=True)
    for seed in (int(s) for s in args.seeds.split(",")):
        params = CompareParams(weeks=args.weeks, seed=seed, first_day=WINDOWS[args.window])
        city = build_city(seed=seed, bins=params.bins)
        for name in args.variants.split(","):
            # the twin's product proposes its plan through twin.policies.propose
            with mock.patch("twin.policies.propose", VARIANTS[name]):
                result = run_policy(city, params, product(params), name=name)
            t = result.totals()
            print(
                f"seed {seed} {name}: {t['km']:.0f} km / {t['overflow_bin_hours']:.0f} bin-h / "
                f"{t['shifts']:.0f} shifts",
                flush=True,
            )
    print(f"load average at end: {os.getloadavg()[0]:.1f}")


if __name__ == "__main__":
    main()
