"""Errors a planning run reports to the coordinator: a code, Dutch words first, English second."""

from __future__ import annotations


class PlanningError(ValueError):
    """The day cannot be planned as given (bad input); nothing is stored.

    ``message_nl`` is shown to the coordinator; ``str(error)`` is the English text for logs.
    """

    def __init__(self, code: str, message_nl: str, message_en: str) -> None:
        super().__init__(message_en)
        self.code = code
        self.message_nl = message_nl
        self.message_en = message_en


class PlanCheckError(RuntimeError):
    """A plan broke a rule of :mod:`routing.check`; it is not stored.

    ``violations`` name the rule and the stop or vehicle, e.g. ``window: vehicle v1 serves b7 at
    ...``.
    """

    def __init__(self, violations: list[str]) -> None:
        shown = "; ".join(violations[:5])
        super().__init__(f"the plan breaks {len(violations)} rule(s): {shown}")
        self.violations = violations
        self.message_nl = f"het plan schendt {len(violations)} regel(s) en is niet bewaard: {shown}"
