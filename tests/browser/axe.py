"""axe-core in the page under test: WCAG checks on what a real Chromium rendered.

axe-core is pinned in ``api/web/package.json`` and installed by ``./manage setup`` (``npm ci``).
It is evaluated through the DevTools protocol, so the app's Content-Security-Policy (scripts from
'self' only) stays on for the test.
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest

AXE = (
    Path(__file__).resolve().parents[2] / "api" / "web" / "node_modules" / "axe-core" / "axe.min.js"
)
BLOCKING = frozenset({"critical", "serious"})


def violations(page: Any, *, impacts: frozenset[str] = BLOCKING) -> list[dict[str, Any]]:
    """The axe violations on the page as it is now, of the given impacts."""
    if not AXE.exists():
        pytest.fail(f"{AXE} is missing; run ./manage setup (npm ci in api/web)")
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(AXE.read_text(encoding="utf-8"))
    result = page.evaluate("async () => await axe.run(document, {resultTypes: ['violations']})")
    return [v for v in result["violations"] if v["impact"] in impacts]


def describe(found: list[dict[str, Any]]) -> str:
    """A readable list: rule, impact, and the first few offending elements."""
    lines = []
    for v in found:
        targets = ", ".join(str(n["target"]) for n in v["nodes"][:3])
        lines.append(f"{v['id']} ({v['impact']}): {v['help']} — {targets}")
    return "\n".join(lines)


def assert_accessible(page: Any, what: str) -> None:
    """No critical and no serious axe violation on the page."""
    found = violations(page)
    assert not found, f"axe on {what}:\n{describe(found)}"
