"""Which bins go into a day's plan, and what leaving each one out would cost.

A bin is *must-visit* when it is expected to overflow before the next chance to empty it; it is
*optional* when it will likely pass its threshold, with a penalty equal to the expected cost of an
overflow (probability x cost) plus a small reward for emptying a bin that is due. The rest wait.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime

from routing.forecast import FillModel, level_at


@dataclass(frozen=True, slots=True)
class SelectionParams:
    """Costs that weigh a bin's need against the kilometres to reach it (euro)."""

    overflow_cost_eur: float = 30.0  # litter in the street, a complaint, an extra trip
    due_reward_eur: float = 2.0  # value of emptying a bin that has passed its threshold
    min_probability: float = 0.05  # below this chance of passing the threshold a bin waits


@dataclass(frozen=True, slots=True)
class Candidate:
    """A bin considered for the day, with what it will hold and what skipping it costs."""

    bin_id: str
    expected_level: float  # at the visit (mid-shift)
    level_next_chance: float  # if skipped today, at the next planning day's visit
    overflow_probability: float
    must_visit: bool
    penalty_eur: float | None  # None when must-visit


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


def assess(
    *,
    bin_id: str,
    model: FillModel,
    level: float,
    at: datetime,
    threshold: float,
    visit_at: datetime,
    next_chance: datetime,
    params: SelectionParams,
) -> Candidate | None:
    """How urgently a bin needs emptying today; None when it can wait."""
    today = level_at(model, level=level, at=at, until=visit_at)
    later = level_at(model, level=level, at=at, until=next_chance)
    spread = forecast_spread(model, level=level, at=at, later=later, until=next_chance)
    p_overflow = normal_cdf((later - 1.0) / spread)
    p_due = normal_cdf((later - threshold) / spread)
    if later >= 1.0 or today >= 1.0:
        return Candidate(bin_id, today, later, p_overflow, True, None)
    if p_due < params.min_probability and today < threshold:
        return None
    penalty = p_overflow * params.overflow_cost_eur + p_due * params.due_reward_eur
    return Candidate(bin_id, today, later, p_overflow, False, penalty)
