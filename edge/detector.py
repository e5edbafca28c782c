"""Left-object detection: a noise-aware background model, static foreground, abandonment.

The frame is reduced to a small grey image (120 working pixels high, a quarter of a 480 px
frame, whatever the camera's resolution), which is what keeps the unit far above real time on
one core; sizes in frame pixels are those of a frame 480 high, scaled to the camera's. Two
running backgrounds follow it: a long-term one (tens of seconds, never learning pixels that are
foreground) and a short-term one (half a second). A pixel that differs from the long-term background but not from the short-term one is
*static foreground*: something arrived and stopped moving.

What counts as "differs" is decided per pixel, so that a dark bag on dark pavement (a few grey
levels) is seen where the image is quiet without rain or night noise tripping it elsewhere:

* **Light**: the ratio of frame to background, smoothed by a median over windows three bags
  wide, is divided out first, so dusk, drifting cloud shadows and street lights change nothing
  while an object (a minority of any window) is not explained away. A fine light layer
  (ratios of local means where the ground keeps its texture, spread by a normalised Gaussian)
  follows cloud edges sharper than that window. Light brighter than the coded ratio holds
  (a background learnt at dawn, in a cloud's deep shade) is taken slowly into the background,
  and a frame much brighter or darker as a whole is coded around its own light, so the frame
  does not stay "changed" everywhere (a blind camera and a false tamper alarm).
* **Noise-adaptive threshold**: each pixel keeps a running estimate of how much its
  object-scale image scatters from one frame to the next where nothing moves (sensor grain,
  rain, codec blocks); its threshold is ``noise_factor`` standard deviations, kept between
  ``min_diff_threshold`` and ``diff_threshold``. Slow light changes do not inflate it.
  Where that threshold is well above its floor (rain, night grain, codec blocks), the median
  of the last second's differences is also compared with a share of it: a faint bag is
  under the threshold in half the frames, but its median stays put while the noise's shrinks.
* **Texture**: the local normalised correlation between frame and background (5x5 windows)
  tells a shadow (darker, same texture) from an object (the pavement's texture is gone). A
  darker patch whose texture is intact is a shadow and not foreground; a textured patch whose
  texture changed is foreground even when its brightness barely moved. A changed region that is
  mostly such ground is light the layers did not follow, except where it lost the ground's
  texture (a bag on a patch a cloud just uncovered).
* **Detail**: light multiplies the ground by a smoothly varying factor, so the log ratio of
  frame to background is smooth wherever only the light changed, whatever light the background
  was learnt in; an object leaves detail in it. A region lying where the light changes across
  it is reported only if it holds such detail.

**The first frame** is the first background. Whoever stood in it and walked off within the
first seconds would leave the ground they uncovered "changed" for good (only background is
learnt), and passers-by would make it look left there: where the first seconds' median matches
the ground around far better than the first frame did, the median is learnt. Whoever walked
off later leaves a ghost: a region standing still whose outline is much sharper in the
background than in the frame (an object adds an outline, a ghost takes one away) is learnt as
the frame shows it.

Per pixel the unit accumulates how long it has been static (decaying fast when the pixel returns
to the background, holding while something passes in front). Shadows are neither object nor
background: they are not learnt, so what cast them leaves no ghost. Regions of static
foreground become tracks. **Abandonment**: the person-sized moving blob next to a new object
in its first seconds (the one standing over it, at whose feet it appeared, before one beside it)
is its owner and is followed; the object is *left* once the owner has
walked more than ``OWNER_AWAY_PX`` away, and the dwell time counts from then. An owner who
stops beside it (or a region that is itself a person standing: high, narrow, alone or stacked
with the regions that appeared in the same second) keeps it attended, as does someone who walks
into the region of what was thought left and stands there fidgeting (the region grows to twice
its size). An object must also have stayed put for most of the dwell (a drifting shadow edge
never does). A parked car (car-sized, or long and low) is not dumping, nor is what it leaves
behind: regions inside where a car stood that were foreground since it came or since it went.
"""

from __future__ import annotations

import math
from collections import deque
from dataclasses import dataclass, field
from datetime import UTC, datetime

import cv2
import numpy as np

from edge.config import CameraConfig, polygon_mask

WORKING_HEIGHT = 120  # working pixels from the frame's top to its bottom, whatever the camera's
# resolution: the constants below that count working pixels are tuned at this height...
REFERENCE_HEIGHT = 480  # ...and sizes in frame pixels (the camera configuration's areas, a
# person's height) are those of a frame this high, scaled to the camera's (a 720x480 frame,
# whose pixels are narrower than high, is taken as it comes)
REFERENCE_SCALE = WORKING_HEIGHT / REFERENCE_HEIGHT  # working pixels per such frame pixel
ANALYSED_FPS = 8.0  # frames/s the rates and frame counts below are tuned for (the fidget
# rate, the last second's median, an owner's step between frames): a faster camera is analysed
# at about this pace...
ANALYSIS_GAP_S = 0.75 / ANALYSED_FPS  # ...a frame this soon after the last analysed one is
# skipped: 25 and 30 frames/s are analysed every third frame (8.3, 10/s), 15 and 20 every second
STATIC_MIN_S = 1.0  # how long a pixel must have been static before it joins a candidate object
TRACK_GRACE_S = 2.0  # a track survives this long without being seen (occlusion, flicker)
LOST_MEMORY_S = 15.0  # a left object lost (a cloud edge over it) is taken up again this long
LOST_SAME_IOU = 0.3  # ...by a new region overlapping where it was this much
CAR_MARK_S = 15.0  # where a car stood is remembered this long (its ghost may appear later)
CAR_ASPECT = 1.3  # a region of half a car's area is a car when it is this much wider than high
CAR_SHAPE_GROUND = 0.25  # ...unless more of it than this is ground under another light (its box
# is then that of the light's residue, not of an object)
HALO_PX = 2  # working pixels a region spreads beyond its object on each side (5x5 means)
GROUP_PX = 2  # ...and its box beyond that: pieces are grouped by a 5x5 dilation
CAR_SAME_TIME_S = 2.0  # a car's remnant has been foreground since (about) when the car came
CAR_GHOST_SHARE = 0.6  # a new region this much inside where a car stood is what it left behind
STABLE_SHARE = 0.7  # an object's pixels stayed put this share of the dwell (a drifting shadow
# edge or a light change never does)
REPORTED_GRACE_S = 60.0  # a reported object is remembered this long after it was last seen
SCENE_SAME_CORR = 0.7  # a frame this correlated with the background shows the learnt scene
DECAY_RATE = 3.0  # accumulator seconds lost per second when the pixel is background again
RELIGHT_S = 30.0  # seconds: light brighter than the light layers can code (see GAIN_CODE)...
RELIGHT_MAX = 2.4  # ...beyond this ratio is taken into the background at this pace (dawn on a
# scene learnt in the dark, a cloud's deep shade it was learnt in): the frame then stays
# comparable with it, where it would otherwise be changed as a whole for good
GAIN_WINDOW = 31  # working pixels (124 in the frame): a median window three bags wide
GAIN_CODE = 100.0  # the light ratio is coded as ratio * 100 in 8 bits for the median
GAIN_CODED = (0.5, 2.0)  # ...around the frame's own light when its median ratio leaves this
LIGHT_SIGMA = 3.0  # working pixels (12 in the frame): how sharp a light edge the fine layer follows
LIGHT_NCC = 0.7  # ground whose texture is kept this well (5x5) tells the light falling on it
LIGHT_PRIOR = 0.05  # weight of the coarse light where no such ground is near (inside an object)
LIGHT_GATE = 0.05  # the fine layer replaces the coarse one only where they differ this much
LIGHT_REGION_SHARE = 0.6  # a changed region this much made of such ground is light, not object
LIGHT_RATIO = (0.3, 3.0)  # ...when it is darker or brighter than the background by no more
LIGHT_OWN_SHARE = 0.4  # ...except where this share of a 5x5 window lost the ground's texture
FLAT_SHARE = 0.5  # ...or kept less than this share of its spread (a plain bag on paving)
TEXTURE_WINDOW = (5, 5)
SHADOW_RATIO = (0.3, 0.95)  # a shadow darkens the ground to this share of its brightness
SHADOW_NCC = 0.6  # ...and keeps its texture at least this correlated
OBJECT_NCC = 0.3  # texture this little correlated (where there is texture) is a change
TEXTURED_STD = 2.5  # grey levels of local spread above which texture cues are trusted
LIT_SINCE = 1.25  # where the light is this many times what the background was learnt in...
TEXTURED_REF = 100.0  # ...that floor holds for a background this bright (grey levels)...
TEXTURED_MIN_SHARE = 0.4  # ...and falls with a darker one, down to this share of it
NOISE_WARMUP_S = 4.0  # the noise estimate settles within a few seconds from the start
STEADY_FRAMES = 7  # frames (odd): the median of the object-scale difference over a second...
STEADY_SHARE = 0.45  # ...shows a faint object where it stays beyond this share of the threshold
STEADY_NOISY = 1.5  # ...used where the threshold is this many times its floor (rain, night,
# codec blocks; light rain raises it to 1.6-1.8 times): elsewhere a single frame shows as much
STEADY_AFTER_S = 8.0  # ...once the noise estimate has settled (seconds from the start)...
STEADY_QUIET = 0.25  # ...and where the pixel was seen this close to its background since then:
# what the first frame's rain or grain left in the background never is
JITTER_MIN = 2.5  # grey levels a pixel must jump by to count as fidgeting...
JITTER_FACTOR = 6.0  # ...and this many times the frame's median jump (noise, rain)
ACTIVITY_S = 1.0  # fidgeting is a rate over about this long
FIDGET_RATE = 0.5  # a pixel jumping in this share of frames is someone moving (a raindrop
# makes a pixel jump twice: in and out)
FIDGET_PIXELS = 5  # ...and takes this many such pixels (a raindrop's trace is thinner)
MOVING_MIN_PX = 30  # working pixels: smaller moving specks (rain, noise) attend nothing
PERSON_ASPECT = 1.5  # a static region this much higher than wide...
PERSON_MIN_H = 100  # ...at least this high (frame pixels)...
PERSON_MAX_W = 110  # ...and no wider than a person is someone standing, not something left
OWNER_ACQUIRE_S = 3.0  # a moving blob next to a new object within this long is its owner
OWNER_STEP_PX = 6  # working pixels an owner's blob may move between frames and stay theirs
OWNER_LOST_S = 1.0  # an owner not seen for this long has gone (out of frame, behind something)
OWNER_AWAY_PX = 10  # working pixels (40 in the frame) between owner and object: walked off
OWNER_GONE_SHARE = 0.1  # an owner lost beside it whose place holds less foreground than this
# share has walked off unseen (someone standing there differs from the ground)
OWNER_CROWD = 2.5  # a blob this many times the owner's first one is a crowd they merged with
# for a moment (on a busy square), not them: they are not followed into it
DETAIL_OFFSET = 4.0  # grey levels added before the log ratio (dark pixels' grain stays small)
DETAIL_SIGMA = 1.5  # working pixels: light is smooth at this scale, an object's texture is not
DETAIL_S = 3.0  # seconds: a region's detail is an average over about this long
OBJECT_DETAIL = 2.5  # an object leaves at least this much detail (rms, in units of its scatter)
LIGHT_EDGE = 0.25  # ...where the light changes this much across it (log of max / min) or more
LIGHT_AROUND_PX = 4  # working pixels around a region over which that change is measured
SAME_DUMPING_PX = 4  # working pixels: a piece this close to a reported object is that dumping
STACK_SAME_S = 1.0  # regions stacked one on another that appeared this close in time...
STACK_GAP_PX = 2  # ...and this close (working pixels) are one figure for the person test
STACK_TORSO_SHARE = (0.2, 0.5)  # ...or this far apart, as shares of the figure's height (a
# torso's height), when the two make a person's shape: a head and feet (with the shadow at them)
# whose torso is the ground's colour and under the threshold (rain, codec blocks raise it)
REJOINED_GROWTH = 2.0  # a left object's region grown this many times, fidgeting: someone
# came and stands in it (a residue a passer-by was taken to bring, then stood next to)
SHRUNK_SHARE = 0.8  # a region already tracked is followed down to this share of the minimum
# object area (a faint bag at night whose edges sink into the noise); a new one is not
# The first frame is the first background; what stood in it and went is learnt (see
# ``_check_first_frame``):
FIRST_STRUCTURE = 6.0  # grey levels of spread: a first frame with less...
FIRST_EXPOSED = (20.0, 235.0)  # ...and a mean brightness outside these is blank (blown out, black)
FIRST_SETTLE_S = 3.0  # seconds: blank frames are skipped this long (then taken anyway)
FIRST_LOOK_S = 10.0  # seconds sampled after the start...
FIRST_SAMPLE_S = 0.5  # ...every this many seconds
FIRST_FROM_S = 2.0  # a pixel changed in most samples from here on (someone left by then)...
FIRST_CHANGED_SHARE = 0.85  # ...this share of them
FIRST_STOOD_OUT = 12.0  # grey levels: the first frame stood out from the ground around this much
FIRST_BLEND = 0.5  # ...and the samples' median is at most this share as far from that ground
FIRST_AROUND_PX = 4.0  # working pixels: the ground around is spread in over about this far
FIRST_RIM_PX = 9  # working pixels (a square): learnt around it too, where the frame shows it
FIRST_UNTIL_S = 120.0  # seconds: what someone stands on at first is learnt when they go, until
GHOST_EVERY_S = 0.5  # how often regions standing still are checked for being a ghost...
GHOST_STILL_S = 2.0  # ...once they have stood this long
GHOST_EDGE_RATIO = 2.0  # a ghost: its outline is this many times sharper in the background
GHOST_EDGE_MIN = 6.0  # ...and by this many grey levels a working pixel (a plain coat over
# paving hides the paving's grain, 2-3 levels, which is no outline of its own)
OWNER_MIN_PX = 60  # working pixels: an owner, once found, is followed while this big (the
# first sighting must be a whole person, ``person_area_px``: rain streaks and specks are not)


@dataclass(frozen=True, slots=True)
class Detection:
    """An object that was left in a watched region and stayed the dwell time after that."""

    track_id: int
    started_at: datetime
    detected_at: datetime
    bbox: tuple[int, int, int, int]  # x, y, width, height in frame pixels
    area_px: int
    score: float
    person_present: bool
    vehicle_present: bool
    left_at: datetime | None = None  # when whoever brought it had gone; dwell counts from here


@dataclass(slots=True)
class _Track:
    track_id: int
    bbox: tuple[int, int, int, int]  # in working (small) pixels
    first_seen: float
    last_seen: float
    area: int
    contrast: float
    attended_at: float  # last moment something moved next to it
    footprint: tuple[int, int, int, int]  # its box; once reported, everywhere it was seen since
    left_at: float | None = None
    vehicle: bool = False
    reported: bool = False
    owner: tuple[int, int, int, int] | None = None  # the moving blob that brought it
    owner_seen: float = 0.0
    owner_area: int = 0  # working pixels of the owner's blob when they were found
    created: float = 0.0
    born_vehicle: bool | None = None  # a car (or a piece of one) from its first frame on
    hold: float = 0.0  # median seconds its pixels have been static
    had_owner: bool = False  # someone was seen bringing it
    left_area: int = 0  # working pixels it covered when it was judged left
    held: float = 0.0  # seconds it stood still before it was lost and found again
    detail: float = 0.0  # root mean square of the detail the light cannot explain, averaged
    detail_at: float = 0.0  # ...as of this moment
    light_range: float = 0.0  # how much the light changes across it (log of max / min)
    came: float | None = None  # a car: when most of its region changed, as it was first judged one


@dataclass(frozen=True, slots=True)
class _Motion:
    ts: float
    boxes: tuple[tuple[int, int, int, int, int], ...]  # x, y, w, h, area (small pixels)


@dataclass(slots=True)
class SceneStats:
    """Whole-frame numbers the tamper monitor reads after each update."""

    changed_fraction: float = 0.0
    brightness: float = 0.0
    contrast: float = 0.0  # grey levels of spread, in the light the background was learnt in
    # while the frame still shows the learnt scene (a dim dusk street is not a covered lens)


def _union(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
    x0, y0 = min(a[0], b[0]), min(a[1], b[1])
    x1, y1 = max(a[0] + a[2], b[0] + b[2]), max(a[1] + a[3], b[1] + b[3])
    return x0, y0, x1 - x0, y1 - y0


def _iou(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    ax, ay, aw, ah = a
    bx, by, bw, bh = b
    ix = max(0, min(ax + aw, bx + bw) - max(ax, bx))
    iy = max(0, min(ay + ah, by + bh) - max(ay, by))
    inter = ix * iy
    union = aw * ah + bw * bh - inter
    return inter / union if union else 0.0


def _touches(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _shared_width(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> int:
    """Pixels of width the two boxes share (negative: the gap between them)."""
    return min(a[0] + a[2], b[0] + b[2]) - max(a[0], b[0])


def _share_width(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> bool:
    """Do the two boxes share half the narrower one's width (one above the other)?"""
    return _shared_width(a, b) >= 0.5 * min(a[2], b[2])


def _spans(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> float:
    """The share of ``b``'s width that ``a`` spans."""
    return max(_shared_width(a, b), 0) / max(b[2], 1)


def _contains(outer: tuple[int, int, int, int], inner: tuple[int, int, int, int]) -> bool:
    return (
        outer[0] <= inner[0]
        and outer[1] <= inner[1]
        and inner[0] + inner[2] <= outer[0] + outer[2]
        and inner[1] + inner[3] <= outer[1] + outer[3]
    )


def _overall_light(small: np.ndarray, background: np.ndarray) -> float:
    """The whole frame's light against the background's: the median ratio (every fourth
    pixel tells it; one grey level added on both sides for dark pixels)."""
    return float(np.median((small[::4, ::4] + 1.0) / (background[::4, ::4] + 1.0)))


def _mostly(mask: np.ndarray, box: tuple[int, int, int, int]) -> bool:
    """Whether ``mask`` covers a third or more of ``box``."""
    x, y, w, h = box
    inside = mask[max(y, 0) : max(y + h, 0), max(x, 0) : max(x + w, 0)]
    return bool(inside.size) and float(inside.mean()) >= 0.3


def _person_shaped(box: tuple[int, int, int, int]) -> bool:
    width, height = box[2] / REFERENCE_SCALE, box[3] / REFERENCE_SCALE
    return height >= PERSON_ASPECT * width and height >= PERSON_MIN_H and width <= PERSON_MAX_W


def _vertical_gap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> int:
    """Rows between two boxes, one above the other (0 when their rows overlap)."""
    return max(a[1] - (b[1] + b[3]), b[1] - (a[1] + a[3]), 0)


def _gap(a: tuple[int, int, int, int], b: tuple[int, int, int, int]) -> int:
    """Pixels between two boxes (0 when they touch or overlap)."""
    dx = max(a[0] - (b[0] + b[2]), b[0] - (a[0] + a[2]), 0)
    return max(dx, _vertical_gap(a, b))


def _grow(box: tuple[int, int, int, int], margin: int) -> tuple[int, int, int, int]:
    x, y, w, h = box
    return x - margin, y - margin, w + 2 * margin, h + 2 * margin


@dataclass(slots=True)
class _FirstLook:
    """The first seconds, kept to check what the first frame held (``FIRST_LOOK_S``)."""

    changed: np.ndarray  # per pixel, how many samples differed from the background
    samples: list[np.ndarray] = field(default_factory=list)  # frames, in the frame's light
    counted: int = 0  # samples counted in ``changed``
    sampled_at: float = -math.inf
    median: np.ndarray | None = None  # of the samples, once taken
    uncovered: np.ndarray | None = None  # where the median is the ground someone uncovered


@dataclass(slots=True)
class _State:
    long_bg: np.ndarray
    short_bg: np.ndarray
    noise_var: np.ndarray
    hold: np.ndarray
    since: np.ndarray
    foreground: np.ndarray
    threshold: np.ndarray
    activity: np.ndarray
    previous: np.ndarray
    gain: np.ndarray
    previous_mean: np.ndarray
    detail: np.ndarray  # what the light cannot explain, in units of its usual scatter
    ground: np.ndarray  # ground with its texture kept under a change of light (``_changed``)
    recent: deque[np.ndarray]  # the object-scale differences of the last ``STEADY_FRAMES``
    quiet: np.ndarray  # seen close to the background since ``STEADY_AFTER_S`` (see there)
    first: _FirstLook | None  # the first frame being checked (None: done)
    started: float
    frames: int
    last_ts: float


def _edges(image: np.ndarray) -> np.ndarray:
    """How sharp the image changes at each pixel (grey levels a pixel, both directions)."""
    across = cv2.Sobel(image, cv2.CV_32F, 1, 0, ksize=3, scale=0.125)
    down = cv2.Sobel(image, cv2.CV_32F, 0, 1, ksize=3, scale=0.125)
    edges: np.ndarray = np.abs(across) + np.abs(down)
    return edges


def _local_mean(image: np.ndarray) -> np.ndarray:
    return cv2.boxFilter(image, cv2.CV_32F, TEXTURE_WINDOW, borderType=cv2.BORDER_REFLECT)


class LeftObjectDetector:
    """Feed frames in time order; get a ``Detection`` when something was left behind."""

    analysis_gap_s = ANALYSIS_GAP_S  # (0 analyses every frame: what skipping buys, measured)

    def __init__(self, config: CameraConfig) -> None:
        self.config = config
        self.scale = scale = WORKING_HEIGHT / config.height
        self.size = (round(config.width * scale), round(config.height * scale))
        regions = config.regions or [
            [(0, 0), (config.width, 0), (config.width, config.height), (0, config.height)]
        ]
        self._region = (
            polygon_mask(regions, width=config.width, height=config.height, scale=scale) > 0
        )
        # frame pixels per working pixel: of a reference-high frame (sizes are judged there) and
        # of the camera's frame (sizes are reported there)
        self._area_scale = 1.0 / (REFERENCE_SCALE * REFERENCE_SCALE)
        self._frame_area = 1.0 / (scale * scale)
        self._kernel = np.ones((3, 3), np.uint8)
        self._group_kernel = np.ones((5, 5), np.uint8)  # pieces this close are one object
        self._rim_kernel = np.ones((FIRST_RIM_PX, FIRST_RIM_PX), np.uint8)
        self._band_kernel = np.ones((7, 7), np.uint8)  # a region less its outer three pixels
        self._state: _State | None = None
        self._flat_since: float | None = None  # first frames without structure since then
        self._tracks: list[_Track] = []
        self._lost: list[_Track] = []  # left objects lost a short while ago
        self._next_id = 1
        self._now = 0.0
        history_s = config.dwell_s + config.pre_event_s + 10.0
        self._history_s = history_s
        self._motion: deque[_Motion] = deque()
        self._car_marks: dict[int, tuple[tuple[int, int, int, int], float, float]] = {}
        self._ghosts_at = -math.inf  # when regions were last checked for ghosts
        self.stats = SceneStats()

    def reset(self) -> None:
        """Forget the scene (after the camera was moved): relearn from the next frame."""
        self._state = None
        self._flat_since = None
        self._tracks.clear()
        self._lost.clear()
        self._car_marks.clear()
        self._motion.clear()
        self._ghosts_at = -math.inf

    def _prepare(self, image: np.ndarray) -> np.ndarray:
        grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
        small = cv2.resize(grey, self.size, interpolation=cv2.INTER_AREA)
        return cv2.GaussianBlur(small, (3, 3), 0).astype(np.float32)

    def _gain(self, small: np.ndarray, state: _State) -> tuple[np.ndarray, float]:
        """Per-pixel light change since the background was learnt (1.0: none), and the whole
        frame's light it was coded around (1.0: none).

        The ratio of frame to background, smoothed by a median over ``GAIN_WINDOW`` working
        pixels: a cloud's soft edge or a street light is followed closely, while an object (a
        minority of any window) does not pull the estimate. The middle of a parked car may be
        taken for light and learnt into the background, which is what should happen to it.
        """
        ratio = (small + 1.0) / (state.long_bg + 1.0)
        # A change of light over the whole frame beyond what the code holds well (dawn, dusk,
        # an exposure step, street lights on) is taken out first; the background is relit
        # towards brighter light (see ``RELIGHT_MAX``).
        overall = _overall_light(small, state.long_bg)
        scale = 1.0 if GAIN_CODED[0] <= overall <= GAIN_CODED[1] else overall
        coded = np.clip(ratio * (GAIN_CODE / scale), 0, 255).astype(np.uint8)
        median = cv2.medianBlur(coded, GAIN_WINDOW).astype(np.float32) * (scale / GAIN_CODE)
        gain = cv2.blur(median, (5, 5), borderType=cv2.BORDER_REFLECT)
        # The fine light layer: a cloud's sharp edge is narrower than the median window. Where
        # the ground keeps its texture (correlated with the background whatever its brightness)
        # its ratio of local means is the light on it; spread by a normalised Gaussian, it
        # fills in under objects (whose texture is their own) from the ground around them.
        background = state.long_bg
        mean_f, mean_b = _local_mean(small), _local_mean(background)
        var_f = np.maximum(_local_mean(small * small) - mean_f * mean_f, 0.0)
        var_b = np.maximum(_local_mean(background * background) - mean_b * mean_b, 0.0)
        ncc = (_local_mean(small * background) - mean_f * mean_b) / np.sqrt(var_f * var_b + 1e-3)
        weight = ((var_b > TEXTURED_STD**2) & (ncc > LIGHT_NCC)).astype(np.float32)
        local = (mean_f + 1.0) / (mean_b + 1.0)
        spread = cv2.GaussianBlur(weight * local, (0, 0), LIGHT_SIGMA)
        fine = (spread + LIGHT_PRIOR * gain) / (
            cv2.GaussianBlur(weight, (0, 0), LIGHT_SIGMA) + LIGHT_PRIOR
        )
        # Only where the light really changes across short distances: elsewhere (night
        # grain, rain, codec blocks) the coarse layer is the steadier estimate.
        gain = np.where(np.abs(fine - gain) > LIGHT_GATE, fine, gain)
        state.gain = np.clip(gain, 0.2 * scale, 255 / GAIN_CODE * scale).astype(np.float32)
        return state.gain, scale

    def _compensate(self, small: np.ndarray, state: _State) -> np.ndarray:
        """The frame in the light the background was learnt in."""
        gain, scale = self._gain(small, state)
        if scale < GAIN_CODED[0]:
            # In a frame much darker as a whole, the light ratio (measured with one grey level
            # added on both sides, for dark pixels) is divided out the same way: otherwise
            # every pixel is left a grey level or two too dark, over the threshold's floor.
            compensated: np.ndarray = (small + 1.0) / gain - 1.0
            return compensated
        plain: np.ndarray = small / gain
        return plain

    def _changed(
        self, frame: np.ndarray, residual: np.ndarray, threshold: np.ndarray, state: _State
    ) -> tuple[np.ndarray, np.ndarray]:
        """Where an object (not a shadow, not noise) differs from the background, and where a
        shadow lies (neither object nor background: it must not be learnt, or what cast it
        leaves a bright ghost behind when it goes)."""
        background = state.long_bg
        mean_f, mean_b = _local_mean(frame), _local_mean(background)
        var_f = np.maximum(_local_mean(frame * frame) - mean_f * mean_f, 0.0)
        var_b = np.maximum(_local_mean(background * background) - mean_b * mean_b, 0.0)
        cov = _local_mean(frame * background) - mean_f * mean_b
        ncc = cov / np.sqrt(var_f * var_b + 1e-3)
        textured = var_b > TEXTURED_STD**2
        ratio = (mean_f + 1.0) / (mean_b + 1.0)
        shadow = (
            textured & (ncc > SHADOW_NCC) & (ratio > SHADOW_RATIO[0]) & (ratio < SHADOW_RATIO[1])
        )
        # A shadow is an area: the thin seams of "shadow" that the 5x5 windows find along an
        # object's own folds and edges must not cut the object into pieces too small to keep.
        shadow = cv2.morphologyEx(shadow.astype(np.uint8), cv2.MORPH_OPEN, self._kernel) > 0
        diff = np.abs(residual)
        texture_change = textured & (ncc < OBJECT_NCC) & (diff > 0.5 * threshold)
        changed = ((diff > threshold) & ~shadow) | texture_change
        changed |= self._steady_change(threshold, state) & ~shadow
        opened = cv2.morphologyEx(changed.astype(np.uint8), cv2.MORPH_OPEN, self._kernel)
        # A changed region that is mostly ground with its texture kept, darker or brighter, is
        # light the layers did not follow (a cloud's edge, a patch it uncovered): judged as a
        # whole, so that its fringes do not break off into object-sized pieces.
        count, labels = cv2.connectedComponents(opened, connectivity=8)
        # Ground learnt in the shade (a cloud in the first frame, a dark morning) and lit now
        # holds its texture in the background in fewer grey levels: there the floor for texture
        # is relative to the background's brightness, or that ground would never count as kept
        # and the light the layers follow a few per cent short would stay "changed" for good.
        floor = np.where(
            state.gain > LIT_SINCE,
            TEXTURED_STD * np.clip((mean_b + 1.0) / TEXTURED_REF, TEXTURED_MIN_SHARE, 1.0),
            TEXTURED_STD,
        )
        kept = (
            (var_b > floor * floor)
            & (ncc > LIGHT_NCC)
            & (ratio > LIGHT_RATIO[0])
            & (ratio < LIGHT_RATIO[1])
        )
        state.ground = kept
        flat = labels.ravel()
        share = np.bincount(flat, weights=kept.ravel(), minlength=count) / np.maximum(
            np.bincount(flat, minlength=count), 1
        )
        light = (share[labels] > LIGHT_REGION_SHARE) & (labels > 0)
        # ...but what lies in it and has lost the ground's texture is an object the light
        # change happened around (a bag on a patch a cloud uncovered), not part of the light.
        # A plain bag on textured paving may keep a fair correlation with it (its outline
        # lines up with the windows) but not its spread: light scales the ground's spread by
        # its ratio, a plain surface flattens it.
        if light.any():
            plain = np.sqrt(var_f) < FLAT_SHARE * ratio * np.sqrt(var_b)
            lost = (textured & ((ncc < OBJECT_NCC) | plain)).astype(np.float32)
            own = cv2.blur(lost, TEXTURE_WINDOW, borderType=cv2.BORDER_REFLECT) > LIGHT_OWN_SHARE
            own = cv2.morphologyEx(own.astype(np.uint8), cv2.MORPH_OPEN, self._kernel) > 0
            light &= ~own
        return (opened > 0) & ~light, (shadow | light) & (diff > threshold)

    def _steady_change(self, threshold: np.ndarray, state: _State) -> np.ndarray:
        """Where the median of the last second's differences shows a faint object that single
        frames show only now and then (rain, night grain, codec blocks).

        Used only where the noise has raised the threshold well above its floor, once the noise
        estimate has settled, and where the pixel has been seen close to its background since
        then: the background starts from the first frame, and the raindrops or grain it caught
        stay in it as faint static changes that are no object.
        """
        if len(state.recent) < STEADY_FRAMES or state.last_ts - state.started < STEADY_AFTER_S:
            return np.zeros(threshold.shape, bool)
        # the middle of an odd count is its median; a partition finds it at half np.median's cost
        middle = np.partition(np.stack(state.recent), STEADY_FRAMES // 2, axis=0)
        steady: np.ndarray = np.abs(middle[STEADY_FRAMES // 2])
        state.quiet |= steady < STEADY_QUIET * threshold
        noisy = threshold >= STEADY_NOISY * self.config.min_diff_threshold
        found: np.ndarray = noisy & state.quiet & (steady > STEADY_SHARE * threshold)
        return found

    def _begin(self, small: np.ndarray, now: float) -> None:
        """Start the scene model on this frame, unless it is too plain to be the background.

        A blank first frame (blown out or black, without structure, while the camera's
        exposure settles) is no background: the model starts from the first frame that is not,
        or after ``FIRST_SETTLE_S`` whatever it shows (a dark street at night stays dark).
        """
        self.stats.changed_fraction = 0.0
        if self._flat_since is None:
            self._flat_since = now
        blank = self.stats.contrast < FIRST_STRUCTURE and not (
            FIRST_EXPOSED[0] < self.stats.brightness < FIRST_EXPOSED[1]
        )
        if not blank or now - self._flat_since >= FIRST_SETTLE_S:
            self._state = self._start(small, now)
            self._flat_since = None

    def _start(self, small: np.ndarray, now: float) -> _State:
        """A fresh scene model: the first frame is the background."""
        config = self.config
        shape = small.shape
        start_sigma = config.diff_threshold / config.noise_factor
        return _State(
            long_bg=small.copy(),
            short_bg=small.copy(),
            noise_var=np.full(shape, start_sigma**2, np.float32),
            hold=np.zeros(shape, np.float32),
            since=np.full(shape, np.inf, np.float64),
            foreground=np.zeros(shape, bool),
            threshold=np.full(shape, float(config.diff_threshold), np.float32),
            activity=np.zeros(shape, np.float32),
            previous=small,
            gain=np.ones(shape, np.float32),
            previous_mean=_local_mean(small),
            detail=np.zeros(shape, np.float32),
            ground=np.zeros(shape, bool),
            recent=deque(maxlen=STEADY_FRAMES),
            quiet=np.zeros(shape, bool),
            first=_FirstLook(changed=np.zeros(shape, np.float32)),
            started=now,
            frames=1,
            last_ts=now,
        )

    def update(self, ts: datetime, image: np.ndarray, *, detect: bool = True) -> list[Detection]:
        """Take one frame; returns the objects that reached the dwell time on this frame.

        A frame sooner than ``ANALYSIS_GAP_S`` after the last analysed one is skipped.
        """
        now = ts.timestamp()
        state = self._state
        if state is not None and 0.0 <= now - state.last_ts < self.analysis_gap_s:
            return []
        small = self._prepare(image)
        self.stats.brightness = float(small.mean())
        self.stats.contrast = float(small.std())
        config = self.config
        if state is None:
            self._begin(small, now)
            return []
        dt = min(max(now - state.last_ts, 0.0), 1.0)
        state.last_ts = now

        compensated = self._compensate(small, state)
        self.stats.contrast = self._contrast(small, state, self.stats.contrast)
        # Differences are judged at the scale of an object (a 5x5 mean of working pixels, a
        # 20 px square in the frame): pixel noise averages out there, a bag's darkness does not.
        residual = _local_mean(compensated - state.long_bg)
        state.threshold = threshold = np.clip(
            config.noise_factor * np.sqrt(state.noise_var),
            config.min_diff_threshold,
            config.diff_threshold,
        ).astype(np.float32)
        state.recent.append(residual)
        long_fg, shadow = self._changed(compensated, residual, threshold, state)
        short_fg = np.abs(_local_mean(small - state.short_bg)) > threshold
        static = long_fg & ~short_fg

        state.hold[static] += dt
        if state.first is not None:
            long_fg, static = self._check_first_frame(
                state, small, long_fg=long_fg, static=static, threshold=threshold, now=now
            )
        long_fg, static = self._learn_ghosts(state, compensated, long_fg=long_fg, static=static)
        back = ~long_fg
        state.hold[back] = np.maximum(state.hold[back] - DECAY_RATE * dt, 0.0)
        if detect and np.any((state.hold >= STATIC_MIN_S) & long_fg & self._region):
            # only regions that stand still are judged by their detail (``_track``), against
            # the background as it was before this frame is learnt
            state.detail = self._detail(small, state.long_bg)
        state.since[long_fg & np.isinf(state.since)] = now
        state.since[back & (state.hold <= 0.0)] = np.inf

        alpha_short = 1.0 - math.exp(-dt / config.short_term_s)
        state.short_bg += alpha_short * (small - state.short_bg)
        alpha_long = 1.0 - math.exp(-dt / config.long_term_s)
        learn = back & (state.hold <= 0.0) & ~shadow
        state.long_bg[learn] += alpha_long * (compensated - state.long_bg)[learn]
        # Light brighter than the layers can code is brought slowly into the background
        # everywhere, what lies under an object included (its light is the ground's around it):
        # a scene learnt in the dark stays comparable once the sun is out.
        gain = state.gain
        if gain.max() > RELIGHT_MAX:
            excess = gain / np.minimum(gain, RELIGHT_MAX)
            state.long_bg *= np.power(excess, 1.0 - math.exp(-dt / RELIGHT_S))
        self._learn_noise(state, compensated, calm=~short_fg & ~long_fg, now=now, dt=dt)
        state.foreground = long_fg
        self.stats.changed_fraction = float(long_fg.mean())

        # Fidgeting (someone shifting their weight beside a bag) is judged per pixel, as a
        # rate: averaging would wash out a sway of a pixel or two, and a rate over a second
        # tells a person's steady small movements from raindrops that hit a pixel once.
        jitter = cv2.absdiff(small, state.previous)
        state.previous = small
        jitter_level = max(JITTER_MIN, JITTER_FACTOR * float(np.median(jitter)))
        alpha_activity = 1.0 - math.exp(-dt / ACTIVITY_S)
        state.activity += alpha_activity * ((jitter > jitter_level) - state.activity)
        # Moving things are foreground that has not (yet) stood still: the whole body of a car
        # driving by (its uniform inside barely changes from frame to frame), a person walking.
        moving = (long_fg & (short_fg | (state.hold < STATIC_MIN_S))).astype(np.uint8)
        self._record_motion(now, moving)
        if not detect:
            return []
        return self._track(now, state, compensated)

    def _learn_ghosts(
        self,
        state: _State,
        compensated: np.ndarray,
        *,
        long_fg: np.ndarray,
        static: np.ndarray,
    ) -> tuple[np.ndarray, np.ndarray]:
        """Ghosts learnt (after the first look): ``(long_fg, static)`` without them.

        A ghost is ground the background still hides: someone who stood in the first frame and
        walked off after the first look (``_check_first_frame``), on a square where people
        stop and talk. It stands still for good and people passing by it make it look like
        something left there. An object adds its own outline to the ground; a ghost takes the
        background's away. So a region standing still (``GHOST_STILL_S``) whose outline (the
        band along its edge) is much sharper in the background than in the frame (by
        ``GHOST_EDGE_RATIO`` and ``GHOST_EDGE_MIN``) is learnt as the frame shows it, with a
        rim of the grouping's width. A plain bag on paving hides the paving's grain, which is
        a few grey levels a pixel, not a figure's outline.
        """
        if (
            state.last_ts - state.started < FIRST_LOOK_S
            or state.last_ts - self._ghosts_at < GHOST_EVERY_S
        ):
            return long_fg, static
        self._ghosts_at = state.last_ts
        still = long_fg & (state.hold >= GHOST_STILL_S)
        # regions as the tracker groups them: a road marking's piece hidden by a car's plain
        # body is one region with the car's own outline, wheels and windows beside it
        count, labels, stats, _ = cv2.connectedComponentsWithStats(
            cv2.dilate(still.astype(np.uint8), self._group_kernel), connectivity=8
        )
        if count <= 1:
            return long_fg, static
        in_background, in_frame = _edges(state.long_bg), _edges(compensated)
        smallest = SHRUNK_SHARE * self.config.min_object_area_px / self._area_scale
        ghosts = np.zeros(long_fg.shape, bool)
        for label in range(1, count):
            x, y, w, h = (int(v) for v in stats[label, :4])
            x0, y0 = max(x - 1, 0), max(y - 1, 0)
            window = (slice(y0, y + h + 1), slice(x0, x + w + 1))
            mask = ((labels[window] == label) & still[window]).astype(np.uint8)
            if int(mask.sum()) < smallest or self._under_a_car((x, y, w, h), state.last_ts):
                continue
            # The outline lies a halo's width inside the region (the 5x5 comparison smears it
            # outwards): the band is the region's outer three pixels and one beyond.
            band = (cv2.dilate(mask, self._kernel) > 0) & ~(cv2.erode(mask, self._band_kernel) > 0)
            hidden = float(in_background[window][band].mean())
            shown = float(in_frame[window][band].mean())
            if hidden >= GHOST_EDGE_RATIO * shown and hidden - shown >= GHOST_EDGE_MIN:
                ghosts[window] |= mask > 0
        if not ghosts.any():
            return long_fg, static
        learn = (cv2.dilate(ghosts.astype(np.uint8), self._group_kernel) > 0) & (static | ~long_fg)
        state.long_bg[learn] = compensated[learn]
        state.hold[learn] = 0.0
        state.since[learn] = np.inf
        # what was tracked there was that ground: whatever is seen there next starts anew
        self._tracks = [t for t in self._tracks if not _mostly(learn, t.bbox)]
        return long_fg & ~learn, static & ~learn

    def _under_a_car(self, box: tuple[int, int, int, int], now: float) -> bool:
        """Does this region touch a car seen on the last frame? A car's plain body hides a road
        marking's outline as a ghost would; what it leaves is judged once it has gone."""
        return any(
            t.vehicle and t.last_seen >= now - 0.5 and _iou(t.bbox, box) > 0.0 for t in self._tracks
        )

    @staticmethod
    def _detail(small: np.ndarray, background: np.ndarray) -> np.ndarray:
        """What the light cannot explain: the log ratio of frame to background less its smooth
        part, in units of its robust scatter over the frame.

        Light (a cloud's shadow, dusk) multiplies the ground by a factor that varies smoothly,
        so the log ratio is smooth wherever only the light changed, whatever pattern of light
        the background was learnt in; an object replaces the ground's texture with its own,
        which leaves detail at the scale of a few working pixels.
        """
        ratio = cv2.log(small + DETAIL_OFFSET) - cv2.log(background + DETAIL_OFFSET)
        detail = ratio - cv2.GaussianBlur(ratio, (0, 0), DETAIL_SIGMA)
        scatter = 1.4826 * float(np.median(np.abs(detail)))
        return (detail / max(scatter, 1e-4)).astype(np.float32)

    def _contrast(self, small: np.ndarray, state: _State, spread: float) -> float:
        """The frame's spread of grey levels (``spread``), brought back to the light the
        background was learnt in when the frame still correlates with the background (dusk, a
        cloud): what a covered lens (no structure) or a moved camera (another structure) shows is
        kept as is."""
        background = state.long_bg
        spread_bg = float(background.std())
        if spread < 1e-3 or spread_bg < 1e-3:
            return spread
        corr = float(((small - small.mean()) * (background - background.mean())).mean())
        corr /= spread * spread_bg
        if corr < SCENE_SAME_CORR:
            return spread
        light = float(small.mean() + 1.0) / float(background.mean() + 1.0)
        return spread / min(max(light, 0.2), 1.0)

    def _check_first_frame(
        self,
        state: _State,
        small: np.ndarray,
        *,
        long_fg: np.ndarray,
        static: np.ndarray,
        threshold: np.ndarray,
        now: float,
    ) -> tuple[np.ndarray, np.ndarray]:
        """The ground someone uncovered in the first seconds, learnt: ``(long_fg, static)``
        without it.

        The background begins as the first frame, and only background is learnt. Whoever
        stood in the first frame and walked off (a camera restarted on a busy square) leaves
        the ground they uncovered "changed" for good, and people passing through it make it
        look like something left there. So the first ``FIRST_LOOK_S`` are kept (sampled), and
        where a pixel differed from the first frame nearly all that time and the samples'
        median matches the ground around it far better than the first frame did, that median
        is learnt as soon as the frame shows it. Someone who came after the first frame and
        stood there does not match the ground around; something put down later did not
        differ from the first frame all along.
        """
        first = state.first
        assert first is not None
        if now - first.sampled_at < FIRST_SAMPLE_S:
            return long_fg, static
        first.sampled_at = now
        # the frame in the light of the whole frame, not of the light layers: near such a
        # figure they are misled (a dark figure in the background reads as shade around it)
        sample = small / _overall_light(small, state.long_bg)
        elapsed = now - state.started
        if elapsed < FIRST_LOOK_S:
            first.samples.append(sample)
            if elapsed >= FIRST_FROM_S:
                first.changed += long_fg
                first.counted += 1
            return long_fg, static
        if first.uncovered is None:
            if not first.samples:  # no frame came in the first seconds (a stalled stream)
                state.first = None
                return long_fg, static
            first.median = np.median(np.stack(first.samples), axis=0).astype(np.float32)
            first.samples.clear()
            changed = first.changed >= FIRST_CHANGED_SHARE * max(first.counted, 1)
            first.uncovered = self._uncovered(changed, first.median, state.long_bg)
        median = first.median
        assert median is not None  # taken with ``uncovered``
        shows = np.abs(_local_mean(sample - median)) < threshold
        learn = first.uncovered & (np.abs(_local_mean(median - state.long_bg)) >= threshold) & shows
        if learn.any():
            # with its rim, which the 5x5 comparison smears (left, it is an object's size)
            learn = (cv2.dilate(learn.astype(np.uint8), self._rim_kernel) > 0) & shows
            state.long_bg[learn] = median[learn]
            state.hold[learn] = 0.0
            state.since[learn] = np.inf
            first.uncovered &= ~learn
            # what was tracked there was that ground: whatever is seen there next starts anew
            self._tracks = [t for t in self._tracks if not _mostly(learn, t.bbox)]
            long_fg, static = long_fg & ~learn, static & ~learn
        if elapsed >= FIRST_UNTIL_S or not first.uncovered.any():
            state.first = None
        return long_fg, static

    @staticmethod
    def _uncovered(changed: np.ndarray, median: np.ndarray, background: np.ndarray) -> np.ndarray:
        """Where ``median`` matches the ground around ``changed`` at most ``FIRST_BLEND`` as far
        as ``background`` did, and the background stood out from it (``FIRST_STOOD_OUT``)."""
        if not changed.any():
            return changed
        # the ground around, spread in from outside (a normalised blur)
        outside = (~changed).astype(np.float32)
        ground = cv2.GaussianBlur(background * outside, (0, 0), FIRST_AROUND_PX) / np.maximum(
            cv2.GaussianBlur(outside, (0, 0), FIRST_AROUND_PX), 1e-3
        )
        was = _local_mean(np.abs(background - ground))
        now = _local_mean(np.abs(median - ground))
        found: np.ndarray = changed & (now < FIRST_BLEND * was) & (was >= FIRST_STOOD_OUT)
        return found

    def _learn_noise(
        self, state: _State, compensated: np.ndarray, *, calm: np.ndarray, now: float, dt: float
    ) -> None:
        """Follow how much each pixel scatters where nothing moves."""
        config = self.config
        # The noise is what the object-scale image does from one frame to the next where
        # nothing moves (sensor grain, rain, codec blocks): half the mean square of that step.
        # Light changes and passing shadows are slow and do not inflate it.
        mean_now = _local_mean(compensated)
        step = mean_now - state.previous_mean
        state.previous_mean = mean_now
        noise_tau = min(config.long_term_s, 1.0 + (now - state.started) / NOISE_WARMUP_S)
        alpha_noise = 1.0 - math.exp(-dt / noise_tau)
        if state.frames == 1:
            # A first guess from the first step, smoothed over the neighbourhood, so that a car
            # arriving in the first seconds is not learnt as background under a blind threshold.
            first = cv2.blur(0.5 * step * step, (9, 9), borderType=cv2.BORDER_REFLECT)
            state.noise_var = np.maximum(first, 0.25).astype(np.float32)
        state.frames += 1
        state.noise_var[calm] += alpha_noise * (0.5 * step[calm] ** 2 - state.noise_var[calm])

    def _record_motion(self, now: float, moving: np.ndarray) -> None:
        count, _, stats, _ = cv2.connectedComponentsWithStats(
            cv2.dilate(moving, self._kernel), connectivity=8
        )
        boxes = tuple(
            (int(x), int(y), int(w), int(h), int(a))
            for x, y, w, h, a in stats[1:count]
            if a >= MOVING_MIN_PX
        )
        self._motion.append(_Motion(now, boxes))
        while self._motion and self._motion[0].ts < now - self._history_s:
            self._motion.popleft()

    def _follow_owner(self, track: _Track, box: tuple[int, int, int, int]) -> None:
        """Find (in its first seconds) and follow the moving blob that brought the object.

        A crowd walking through the owner merges with them into one blob for a moment; it is
        not followed (and carried off as the owner), so an owner standing by the object stays
        its owner, and one who walks off inside the crowd is lost and judged by the place they
        were last seen at (``_attended``)."""
        # The object itself (moving while it lands, its flicker under rain or codec blocks) is
        # not its owner.
        inside = _grow(box, 2)
        blobs = tuple(
            b
            for b in (self._motion[-1].boxes if self._motion else ())
            if not _contains(inside, b[:4])
        )
        if track.owner is not None:
            reach = _grow(track.owner, OWNER_STEP_PX)
            close = [
                (x, y, w, h)
                for x, y, w, h, a in blobs
                if OWNER_MIN_PX <= a <= OWNER_CROWD * track.owner_area
                and _touches(reach, (x, y, w, h))
            ]
            if close:
                cx, cy = track.owner[0] + track.owner[2] / 2, track.owner[1] + track.owner[3] / 2
                track.owner = min(
                    close, key=lambda b: abs(b[0] + b[2] / 2 - cx) + abs(b[1] + b[3] / 2 - cy)
                )
                track.owner_seen = self._now
        elif self._now - track.created <= OWNER_ACQUIRE_S:
            near = _grow(box, max(box[2], box[3]) // 2 + 3)
            person = max(OWNER_MIN_PX, self.config.person_area_px / self._area_scale)
            fits = [b for b in blobs if b[4] >= person and _touches(near, b[:4])]
            if fits:
                # whoever stands over it (it appeared at their feet) before whoever is beside it
                x, y, w, h, a = max(fits, key=lambda b: (_spans(b[:4], box), b[4]))
                track.owner = (x, y, w, h)
                track.owner_area = a
                track.owner_seen = self._now
                track.had_owner = True

    def _attended(
        self, track: _Track, box: tuple[int, int, int, int], activity: np.ndarray
    ) -> bool:
        """Is its owner still next to it, or does anyone fidget beside it?

        Passers-by do not count: only the person-sized blob that was next to the object when it
        appeared (followed from frame to frame) keeps it attended. Once that owner is more than
        ``OWNER_AWAY_PX`` away (or was last seen that far off) the object is left, whoever else
        stands or walks about, unless the region itself fidgets (it is a person standing there
        whom someone passed in its first seconds). An owner who stopped moving beside it (their blob is gone) is
        seen by their fidgeting, as is someone standing still with no owner in sight (the
        track is then the person themself).
        """
        self._follow_owner(track, box)
        area = _grow(box, max(box[2], box[3]) // 2 + 3)
        if track.owner is not None:
            if _gap(track.owner, box) > OWNER_AWAY_PX:
                area = box  # only the region itself fidgeting: it is a person standing there
            elif self._now - track.owner_seen > OWNER_LOST_S and _contains(
                _grow(box, HALO_PX), track.owner
            ):
                # The "owner" was never more than the object's own landing, lost inside its
                # region since: whoever brought it is judged by their fidgeting beside it.
                track.owner = None
            elif self._now - track.owner_seen > OWNER_LOST_S and self._gone(track.owner, box):
                # Lost, and nothing is left where they were last seen: they walked off faster
                # than they were followed (while the region went unjudged for a few frames).
                area = box
            else:
                # Still beside it, or stopped moving right there: someone who stands still
                # is part of the static region (or is it), and leaving means walking off.
                return True
        return self._fidgets(area, activity)

    def _gone(self, owner: tuple[int, int, int, int], box: tuple[int, int, int, int]) -> bool:
        """Is the place its owner was last seen at (beside the object, not on it) empty now?"""
        state = self._state
        if state is None:
            return False
        x, y, w, h = owner
        where = np.zeros(state.foreground.shape, bool)
        where[max(y, 0) : max(y + h, 0), max(x, 0) : max(x + w, 0)] = True
        bx, by, bw, bh = _grow(box, HALO_PX)
        where[max(by, 0) : max(by + bh, 0), max(bx, 0) : max(bx + bw, 0)] = False
        beside = int(where.sum())
        return beside > 0 and int((state.foreground & where).sum()) < OWNER_GONE_SHARE * beside

    @staticmethod
    def _fidgets(area: tuple[int, int, int, int], activity: np.ndarray) -> bool:
        """Does someone fidget in this box (enough pixels jumping often)?"""
        x, y, w, h = area
        patch = activity[max(0, y) : max(0, y + h), max(0, x) : max(0, x + w)]
        return int((patch > FIDGET_RATE).sum()) >= FIDGET_PIXELS

    def _is_vehicle(
        self, track: _Track, box: tuple[int, int, int, int], area: int, ground: float
    ) -> bool:
        """Is this static region a parked vehicle, or a piece of one?

        A region of a car's area, or of half of it and long and low like a car seen from the
        side, is a car that parked (dumped objects that big are rare and come with a van,
        which is then in the stills anyway); a smaller region
        touching another track that is a parked car and static since about when that car was
        (its windows, shadow, wheels) is a piece of it; a bag put down beside it later is not.
        Judged afresh on every frame: a bag that merged with a car stopping beside it is a bag
        again once the car has gone. A region of which more than ``CAR_SHAPE_GROUND`` is
        ground that kept its texture under another light (``ground``) has the shape of that
        light's residue, not of an object: a cloud's edge the light layers did not follow,
        merged with whoever stands in it and their bag, is wide and low too, and no car.
        """
        # Judged without the halo that the 5x5 comparison adds on every side (HALO_PX) and the
        # grouping dilation the box was measured on (GROUP_PX): a bag
        # of 76x49 px is not half a car.
        margin = 2 * (HALO_PX + GROUP_PX)
        width, height = max(box[2] - margin, 1), max(box[3] - margin, 1)
        full = min(area, width * height) * self._area_scale
        if full >= self.config.vehicle_area_px or (
            full >= 0.5 * self.config.vehicle_area_px
            and width >= CAR_ASPECT * height
            and ground <= CAR_SHAPE_GROUND
        ):
            return True
        return any(
            t is not track
            and t.vehicle
            and t.last_seen >= self._now - 0.5
            and _iou(t.bbox, box) > 0.0
            and box[1] + box[3] > t.bbox[1] + t.bbox[3] // 3
            and abs(track.first_seen - t.first_seen) <= CAR_SAME_TIME_S
            for t in self._tracks
        )

    def _in_car_mark(self, track_id: int, box: tuple[int, int, int, int], started: float) -> bool:
        """Is this region what a car left behind: where a car stood a short while ago, and
        foreground since that car arrived or since it drove off (a ghost of it learnt into the
        background, its shadow)?

        A bag dropped beside the car appeared later than the car did, and stays a bag.
        """
        self._car_marks = {
            k: v for k, v in self._car_marks.items() if self._now - v[1] <= CAR_MARK_S
        }
        area = box[2] * box[3]
        for owner_id, (mark, seen, arrived) in self._car_marks.items():
            if owner_id == track_id or (
                started > arrived + CAR_SAME_TIME_S and abs(started - seen) > CAR_SAME_TIME_S
            ):
                continue
            ix = max(0, min(box[0] + box[2], mark[0] + mark[2]) - max(box[0], mark[0]))
            iy = max(0, min(box[1] + box[3], mark[1] + mark[3]) - max(box[1], mark[1]))
            if area and ix * iy >= CAR_GHOST_SHARE * area:
                return True
        return False

    def _track(self, now: float, state: _State, compensated: np.ndarray) -> list[Detection]:
        self._now = now
        # Only pixels that still differ from the background: a car that drove off leaves a
        # decaying accumulator behind, which must not keep its track alive.
        static = (state.hold >= STATIC_MIN_S) & state.foreground
        candidate = (static & self._region).astype(np.uint8)
        count, labels, stats, _ = cv2.connectedComponentsWithStats(
            cv2.dilate(candidate, self._group_kernel), connectivity=8
        )
        if count > 1:
            # The same static foreground outside the watched region too: someone standing at
            # the region's edge is judged by their whole figure, not by the part inside it.
            _, whole_labels, whole_stats, _ = cv2.connectedComponentsWithStats(
                cv2.dilate(static.astype(np.uint8), self._group_kernel), connectivity=8
            )
        seen: set[int] = set()
        found: list[tuple[_Track, tuple[int, int, int, int], int, np.ndarray, float]] = []
        for label in range(1, count):
            x, y, w, h, _ = (int(v) for v in stats[label])
            pixels = (labels == label) & (candidate > 0)
            area = int(pixels.sum())
            full_area = area * self._area_scale
            if not self._big_enough(full_area, (x, y, w, h), seen):
                continue
            since = state.since[pixels]
            since = since[np.isfinite(since)]
            started = float(np.median(since)) if since.size else now
            diff = np.abs(compensated - state.long_bg)[pixels]
            contrast = float((diff / state.threshold[pixels]).mean())
            box = (x, y, w, h)
            match = max(
                (t for t in self._tracks if t.track_id not in seen),
                key=lambda t: _iou(t.bbox, box),
                default=None,
            )
            if match is None or _iou(match.bbox, box) < 0.2:
                match = _Track(
                    self._next_id,
                    box,
                    started,
                    now,
                    area,
                    contrast,
                    attended_at=now,
                    footprint=box,
                    created=now,
                )
                # A piece of an object already reported (it split, or a person stood by it)
                # is the same dumping, not a new one.
                near = _grow(box, SAME_DUMPING_PX)
                match.reported = any(
                    t.reported and _iou(t.footprint, near) > 0.0 for t in self._tracks
                )
                self._take_up_lost(match)
                self._next_id += 1
                self._tracks.append(match)
            match.bbox, match.last_seen, match.area, match.contrast = box, now, area, contrast
            match.hold = float(np.median(state.hold[pixels]))
            self._measure_light(match, box, pixels, state)
            match.footprint = _union(match.footprint, box) if match.reported else box
            match.first_seen = min(match.first_seen, started)
            found.append((match, box, area, pixels, started))
            seen.add(match.track_id)
        # Cars are judged once every region of this frame is matched, the largest first: a
        # parked car's place is known for this frame before the smaller regions beside it are
        # measured against it (not where it stood in the last frame, merged with a bag put down
        # beside it).
        for match, box, area, pixels, started in sorted(found, key=lambda f: -f[2]):
            self._judge_vehicle(match, box, area, pixels=pixels, started=started, state=state)
        for match, box, area, pixels, _ in found:
            ys, xs = np.nonzero(pixels)
            whole = int(whole_labels[ys[0], xs[0]]) if ys.size else 0
            wx, wy, ww, wh = (int(v) for v in whole_stats[whole][:4]) if whole else box
            self._judge_left(match, box, (wx, wy, ww, wh), area, state.activity)
        self._forget(now)
        return self._report(now, seen)

    def _judge_vehicle(
        self,
        match: _Track,
        box: tuple[int, int, int, int],
        area: int,
        *,
        pixels: np.ndarray,
        started: float,
        state: _State,
    ) -> None:
        """Whether a region is a parked car or what one left, and where the car stands."""
        ground = float(state.ground[pixels].mean())
        match.vehicle = self._is_vehicle(match, box, area, ground)
        if not match.vehicle and self._in_car_mark(match.track_id, box, match.first_seen):
            match.vehicle = True
        elif match.vehicle:
            mark = self._car_marks.get(match.track_id)
            if match.came is None:
                match.came = started
            where = self._car_place(pixels, state.since, match.came) or box
            self._car_marks[match.track_id] = (
                where,
                self._now,
                mark[2] if mark else match.first_seen,
            )
        if match.born_vehicle is None:
            match.born_vehicle = match.vehicle
        # What stays of a car that drove off (its ghost) is still the car; a bag that merged
        # with a car stopping beside it is a bag again once the car has gone.
        match.vehicle = match.vehicle or match.born_vehicle

    @staticmethod
    def _car_place(
        pixels: np.ndarray, since: np.ndarray, came: float
    ) -> tuple[int, int, int, int] | None:
        """Where a car stands: the box of its region's pixels that changed when it came.

        What was put down or stood beside it later (a bag, its owner) may be part of the same
        region while the car is there, but is no part of where the car stood: what is left
        there once the car has gone is judged on its own.
        """
        own = pixels & (since <= came + CAR_SAME_TIME_S)
        if not own.any():
            return None
        x, y, w, h = cv2.boundingRect(own.astype(np.uint8))
        return _grow((x, y, w, h), GROUP_PX)

    def _big_enough(self, full_area: float, box: tuple[int, int, int, int], seen: set[int]) -> bool:
        """Is a region of this area (frame pixels) an object to track? Below the minimum
        object area only down to ``SHRUNK_SHARE`` of it, and only where it continues a track
        (a faint bag at night, found whole while it was put down, whose edges then sink into
        the noise): a speck of that size seen for the first time is not followed."""
        minimum = self.config.min_object_area_px
        if not SHRUNK_SHARE * minimum <= full_area <= self.config.max_object_area_px:
            return False
        return full_area >= minimum or any(
            t.track_id not in seen and _iou(t.bbox, box) >= 0.2 for t in self._tracks
        )

    def _measure_light(
        self, track: _Track, box: tuple[int, int, int, int], pixels: np.ndarray, state: _State
    ) -> None:
        """Follow how much detail the light cannot explain the region holds (an average over
        ``DETAIL_S``: a region fed by a moving cloud edge flickers), and how much the light
        changes across it."""
        detail = float(np.sqrt(np.mean(np.square(state.detail[pixels]))))
        if track.detail_at > 0.0:
            alpha = 1.0 - math.exp(-(self._now - track.detail_at) / DETAIL_S)
            track.detail += alpha * (detail - track.detail)
        else:
            track.detail = detail
        track.detail_at = self._now
        x, y, w, h = _grow(box, LIGHT_AROUND_PX)
        light = state.gain[max(y, 0) : max(y + h, 0), max(x, 0) : max(x + w, 0)]
        track.light_range = float(np.log(light.max() / light.min())) if light.size else 0.0

    def _forget(self, now: float) -> None:
        """Drop tracks not seen for their grace time; a left object lost that way is kept
        apart a while (``LOST_MEMORY_S``) in case it is found again."""
        kept: list[_Track] = []
        for t in self._tracks:
            if now - t.last_seen <= (REPORTED_GRACE_S if t.reported else TRACK_GRACE_S):
                kept.append(t)
            elif t.left_at is not None and not t.reported and not t.vehicle:
                self._lost.append(t)
        self._tracks = kept
        # Something else seen where a lost object was since (someone standing there, a car) is
        # not the empty ground it was lost to: it is forgotten.
        self._lost = [
            lost
            for lost in self._lost
            if now - lost.last_seen <= LOST_MEMORY_S
            and not any(
                t.last_seen > lost.last_seen and _iou(t.bbox, lost.bbox) > 0.0 for t in self._tracks
            )
        ]

    def _take_up_lost(self, track: _Track) -> None:
        """A new region where a left object was lost a short while ago (a cloud's edge passed
        over it and it was taken for light, then found again) is that object: it keeps when
        it was left and how long it had stood still, rather than starting its dwell anew."""
        lost = max(self._lost, key=lambda t: _iou(t.bbox, track.bbox), default=None)
        if lost is None or _iou(lost.bbox, track.bbox) < LOST_SAME_IOU:
            return
        self._lost.remove(lost)
        track.left_at, track.left_area = lost.left_at, lost.left_area
        track.attended_at = lost.attended_at
        track.had_owner = lost.had_owner
        track.first_seen = min(track.first_seen, lost.first_seen)
        track.held = lost.held + lost.hold

    def _judge_left(
        self,
        track: _Track,
        box: tuple[int, int, int, int],
        whole: tuple[int, int, int, int],
        area: int,
        activity: np.ndarray,
    ) -> None:
        """Is it attended on this frame, or has it been left (and since when)?"""
        if (
            _person_shaped(box)
            or _person_shaped(whole)
            or _person_shaped(self._stacked(track, box))
            or self._under_someone_standing(track, box)
        ):
            # Someone standing (whom a piece of the region was taken for, before), or their
            # feet: whatever was thought left is attended again.
            track.left_at, track.attended_at = None, self._now
        elif (
            track.left_at is not None
            and area >= REJOINED_GROWTH * track.left_area
            and self._fidgets(box, activity)
        ):
            # Someone walked into it and stands there (their figure merged with it, so the
            # whole is no person's shape): what was thought left is attended again.
            track.left_at, track.attended_at = None, self._now
        elif track.left_at is None and self._attended(track, box, activity):
            track.attended_at = self._now
        elif track.left_at is None and self._now - track.attended_at >= self.config.left_after_s:
            track.left_at, track.left_area = track.attended_at, area

    def _under_someone_standing(self, track: _Track, box: tuple[int, int, int, int]) -> bool:
        """Is this region the feet of someone standing: right below a region of a person's shape
        of its own that appeared within ``STACK_SAME_S`` of it, sharing half the narrower one's
        width, with at most a torso's height between them (``STACK_TORSO_SHARE``)?

        At night or in the rain the legs of someone standing can stay within the noise while
        their body and their feet with their shadow do not: the feet alone are a wide, low
        region, no person's shape, and the "owner" seen beside them as they stopped was a
        sliver of the same person. A bag put down beside someone standing lies beside their
        figure, not below it.
        """
        for other in self._appeared_with(track):
            above = other.bbox
            gap = box[1] - (above[1] + above[3])
            height = box[1] + box[3] - above[1]
            if (
                _person_shaped(above)
                and _share_width(box, above)
                and 0 <= gap <= STACK_TORSO_SHARE[1] * height
            ):
                return True
        return False

    def _appeared_with(self, track: _Track) -> list[_Track]:
        """The other regions seen now (no car) that appeared within ``STACK_SAME_S`` of it."""
        return [
            t
            for t in self._tracks
            if t is not track
            and not t.vehicle
            and t.last_seen >= self._now - 0.5
            and abs(t.first_seen - track.first_seen) <= STACK_SAME_S
        ]

    def _stacked(self, track: _Track, box: tuple[int, int, int, int]) -> tuple[int, int, int, int]:
        """The box of this region and the regions stacked on it (above or below, within
        ``STACK_GAP_PX``, sharing half the narrower one's width) that appeared within
        ``STACK_SAME_S`` of it: the head, body and feet of someone who stopped there, split
        where their clothes match the ground. Two regions further apart are stacked when
        together they have a person's shape and the gap is a torso's height
        (``STACK_TORSO_SHARE`` of that figure's height): a head and feet whose torso is lost in
        the rain or the codec's blocks (its colour under their raised threshold). A gap of a
        few pixels is no torso: someone standing beside a bag whose feet merged with it is not
        that bag's owner. Once it holds more than this region, with the
        moving parts of them that touch it (a swaying head). A bag put down beside someone
        standing appeared at another moment and is not part of them."""
        others = self._appeared_with(track)
        moving = [b[:4] for b in self._motion[-1].boxes] if self._motion else []
        stack, grown = box, True
        while grown and others:
            grown = False
            for other in list(others):
                b = other.bbox
                gap = _vertical_gap(stack, b)
                joined = _union(stack, b)
                if _share_width(stack, b) and (
                    gap <= STACK_GAP_PX
                    or (
                        STACK_TORSO_SHARE[0] * joined[3] <= gap <= STACK_TORSO_SHARE[1] * joined[3]
                        and _person_shaped(joined)
                    )
                ):
                    stack, grown = joined, True
                    others.remove(other)
        if stack != box:
            # A figure of more than one region: the parts of it moving as they sway (a head,
            # an arm) belong to it too. A lone region is never grown by a passer-by.
            for m in sorted(moving, key=lambda m: m[1]):
                gap = _vertical_gap(stack, m)
                if _share_width(stack, m) and gap <= STACK_GAP_PX:
                    stack = _union(stack, m)
        return stack

    def _report(self, now: float, seen: set[int]) -> list[Detection]:
        """The tracks left for the dwell time (and still there) on this frame, once each."""
        found = []
        for track in self._tracks:
            if track.reported or track.vehicle or track.track_id not in seen:
                continue
            if not track.had_owner and self._at_frame_edge(track.bbox):
                # The light layers are least sure along the frame's edge (half their window
                # is mirrored), where a cloud's edge leaving the picture leaves a strip of
                # residue: what touches the edge is reported only if someone brought it.
                continue
            # A region where the light changes across it that holds no more detail than light
            # leaves (the residue of a cloud's edge, now or in the light the background was
            # learnt in) is light, not an object, whoever was seen near it.
            if (
                track.left_at is not None
                and (track.detail >= OBJECT_DETAIL or track.light_range <= LIGHT_EDGE)
                # what shrank below an object's size is reported only where the light is the
                # same all around it (a cloud edge's residue shrinks as the cloud moves on)
                and (
                    track.area * self._area_scale >= self.config.min_object_area_px
                    or track.light_range <= LIGHT_EDGE
                )
                and now - track.left_at >= self.config.dwell_s
                and track.hold + track.held >= STABLE_SHARE * self.config.dwell_s
            ):
                track.reported = True
                # A piece of what was already reported here (tracked on its own since before
                # that report), within the same reach as a new region, is the same
                # dumping: the head of someone standing by a bag their body merged with.
                if not any(
                    t is not track
                    and t.reported
                    and _iou(t.footprint, _grow(track.bbox, SAME_DUMPING_PX)) > 0.0
                    for t in self._tracks
                ):
                    found.append(self._detection(now, track))
        return found

    def _at_frame_edge(self, box: tuple[int, int, int, int]) -> bool:
        x, y, w, h = box
        width, height = self.size
        return x <= 0 or y <= 0 or x + w >= width or y + h >= height

    def _detection(self, now: float, track: _Track) -> Detection:
        person, vehicle = self._presence(track)
        x, y, w, h = track.bbox
        inv = 1.0 / self.scale
        # Contrast in units of the local threshold: 1 is barely seen, 3 and more is plain.
        score = min(1.0, 0.5 + 0.25 * (track.contrast - 1.0))
        left = track.left_at if track.left_at is not None else track.first_seen
        return Detection(
            track_id=track.track_id,
            started_at=datetime.fromtimestamp(track.first_seen, UTC),
            detected_at=datetime.fromtimestamp(now, UTC),
            bbox=(round(x * inv), round(y * inv), round(w * inv), round(h * inv)),
            area_px=round(track.area * self._frame_area),
            score=round(max(score, 0.0), 3),
            person_present=person,
            vehicle_present=vehicle,
            left_at=datetime.fromtimestamp(max(left, track.first_seen), UTC),
        )

    def _presence(self, track: _Track) -> tuple[bool, bool]:
        """Was a person- or car-sized moving thing near the object around when it appeared?"""
        x, y, w, h = track.bbox
        margin = max(w, h) + 6
        near = (x - margin, y - margin, w + 2 * margin, h + 2 * margin)
        start = track.first_seen - self.config.pre_event_s - 2.0
        end = track.first_seen + 2.0
        person = vehicle = False
        for motion in self._motion:
            if not start <= motion.ts <= end:
                continue
            for bx, by, bw, bh, area in motion.boxes:
                if _iou(near, (bx, by, bw, bh)) <= 0.0:
                    continue
                full = area * self._area_scale
                if full >= self.config.vehicle_area_px:
                    vehicle = True
                elif full >= self.config.person_area_px * 0.3:
                    person = True
        return person, vehicle
