"""axe-core in the browser tests: a page must have no critical and no serious accessibility fault.

axe-core comes from the web app's own pinned npm lock (``api/web``), never from a CDN. It is
evaluated through the DevTools protocol, which the page's Content-Security-Policy does not
govern, so the page under test stays exactly as served.
"""

from __future__ import annotations

from functools import cache
from pathlib import Path
from typing import Any

AXE = (
    Path(__file__).resolve().parents[2] / "api" / "web" / "node_modules" / "axe-core" / "axe.min.js"
)
BLOCKING = frozenset({"critical", "serious"})


@cache
def _source() -> str:
    if not AXE.exists():
        raise FileNotFoundError(f"{AXE} is missing: run ./manage setup (npm ci in api/web)")
    return AXE.read_text("utf-8")


def violations(page: Any, *, exclude: tuple[str, ...] = ()) -> list[dict[str, Any]]:
    """Every axe violation on the page as it is now (WCAG 2.1 A and AA rules and best practice)."""
    if not page.evaluate("() => typeof window.axe === 'object'"):
        page.evaluate(_source())
    result: dict[str, Any] = page.evaluate(
        """async (exclude) => {
            const context = exclude.length ? { exclude: exclude.map((s) => [s]) } : document;
            return await window.axe.run(context, { resultTypes: ["violations"] });
        }""",
        list(exclude),
    )
    return list(result["violations"])


def describe(found: list[dict[str, Any]]) -> str:
    """The violations as readable lines: impact, rule, help and the first offending elements."""
    lines = []
    for v in found:
        targets = ", ".join(str(n["target"]) for n in v["nodes"][:3])
        lines.append(f"{v['impact']}: {v['id']} - {v['help']} ({len(v['nodes'])} x: {targets})")
    return "\n".join(lines)


def assert_accessible(page: Any, what: str = "the page", *, exclude: tuple[str, ...] = ()) -> None:
    """Fail with a readable list when axe finds any critical or serious violation."""
    blocking = [v for v in violations(page, exclude=exclude) if v["impact"] in BLOCKING]
    assert not blocking, f"axe-core found on {what}:\n" + describe(blocking)
