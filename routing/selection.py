"""The forecast's uncertainty as the selection over a horizon (:mod:`routing.horizon`) uses it.

Which bins go into a day's plan, and what leaving each one out costs, is decided in
:mod:`routing.horizon`; this module holds the spread of a forecast level and the normal
distribution the prizes are priced with.
"""

from __future__ import annotations

import math
from datetime import datetime

from routing.forecast import FillModel


def normal_cdf(x: float) -> float:
    """The standard normal distribution function."""
    return 0.5 * (1 + math.erf(x / math.sqrt(2)))


def forecast_spread(
    model: FillModel, *, level: float, at: datetime, later: float, until: datetime
) -> float:
    """Standard deviation of the forecast level ``later`` at ``until`` (a fraction, at least 0.02).

    Daily errors are independent, so the spread of the litter to come grows with the square
    root of the days ahead: relative ``daily_cv`` per day, over ``(until - at)`` days.
    """
    days = max((until - at).total_seconds() / 86400, 0.25)
    return max(model.daily_cv * (later - level) / math.sqrt(days), 0.02)
