"""Tamper detection: the whole scene changed at once (lens covered, camera turned or sprayed)."""

from __future__ import annotations

from dataclasses import dataclass

from edge.detector import SceneStats

CHANGED_FRACTION = 0.55  # more than this share of the frame differs from the background
COVERED_CONTRAST = 6.0  # a covered lens shows an almost uniform image
ALARM_AFTER_S = 2.0  # ignore a passing lorry that fills the view for a moment
RELEARN_AFTER_S = 20.0  # a scene changed this long is the new normal (camera turned)


@dataclass(frozen=True, slots=True)
class TamperChange:
    """What the unit must do after a frame: raise or clear the alarm, relearn the scene."""

    alarm: bool | None  # True: raise, False: clear, None: no change
    relearn: bool
    reason: str


class TamperMonitor:
    """Debounces whole-scene changes into an alarm."""

    def __init__(self) -> None:
        self._since: float | None = None
        self.alarmed = False
        self._relearned = False

    def update(self, now: float, stats: SceneStats) -> TamperChange:
        """Judge one frame's scene statistics."""
        covered = stats.contrast < COVERED_CONTRAST
        changed = stats.changed_fraction > CHANGED_FRACTION
        if not (covered or changed):
            self._since = None
            self._relearned = False
            if self.alarmed:
                self.alarmed = False
                return TamperChange(alarm=False, relearn=False, reason="scene back to normal")
            return TamperChange(alarm=None, relearn=False, reason="")
        if self._since is None:
            self._since = now
        lasted = now - self._since
        reason = "lens covered" if covered else "scene changed as a whole (camera moved?)"
        if not self.alarmed and lasted >= ALARM_AFTER_S:
            self.alarmed = True
            return TamperChange(alarm=True, relearn=False, reason=reason)
        if changed and not covered and not self._relearned and lasted >= RELEARN_AFTER_S:
            self._relearned = True
            return TamperChange(alarm=None, relearn=True, reason=reason)
        return TamperChange(alarm=None, relearn=False, reason=reason)
