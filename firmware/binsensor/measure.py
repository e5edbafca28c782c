"""From raw pings to a trustworthy fill level: pure functions, no hardware.

An ultrasonic ping measures time; sound travels about 0.6 m/s faster per degree, so a bin at
-10 degrees and one at 35 degrees differ by 8 % in distance unless the echo time is corrected.
"""

import math

QUALITY_OK = "ok"
QUALITY_NO_ECHO = "no_echo"
QUALITY_BLIND_ZONE = "blind_zone"
QUALITY_OUT_OF_RANGE = "out_of_range"
QUALITY_UNSTABLE = "unstable"
QUALITIES = (
    QUALITY_OK,
    QUALITY_NO_ECHO,
    QUALITY_BLIND_ZONE,
    QUALITY_OUT_OF_RANGE,
    QUALITY_UNSTABLE,
)

# Readings beyond the floor by more than this are echoes from elsewhere, not the floor itself.
FLOOR_TOLERANCE_MM = 40
# Pings farther than this from the median disagree with it.
AGREEMENT_MM = 30


def speed_of_sound_m_s(temperature_c: float) -> float:
    """Speed of sound in dry air at a temperature (331.3 m/s at 0 degrees Celsius)."""
    return 331.3 * math.sqrt(1.0 + temperature_c / 273.15)


def echo_to_mm(echo_us: int, temperature_c: float) -> int:
    """Distance to the surface from a round-trip echo time, corrected for temperature."""
    return int(echo_us * speed_of_sound_m_s(temperature_c) / 2000.0 + 0.5)


def median(values: list[int]) -> int:
    """The middle value (lower middle for an even count, so it is always a real ping)."""
    ordered = sorted(values)
    return ordered[(len(ordered) - 1) // 2]


class Geometry:
    """The container as the sensor sees it, from the device config."""

    def __init__(
        self,
        depth_mm: int,
        sensor_offset_mm: int = 0,
        blind_zone_mm: int = 0,
        top_bottom_area_ratio: float = 1.0,
    ) -> None:
        # depth: sensor face to floor; offset: sensor face to the highest usable fill line.
        self.depth_mm = depth_mm
        self.sensor_offset_mm = sensor_offset_mm
        self.blind_zone_mm = blind_zone_mm
        # > 1 for a container wider at the top (a tapered street bin), 1 for straight walls.
        self.top_bottom_area_ratio = top_bottom_area_ratio

    def fill_fraction(self, distance_mm: int) -> float:
        """Fraction of the usable volume that is full when the surface is this far away."""
        height = self.depth_mm - self.sensor_offset_mm
        level = self.depth_mm - distance_mm
        level = max(0, min(height, level))
        ratio = self.top_bottom_area_ratio
        if abs(ratio - 1.0) < 1e-6:
            return level / height
        # A frustum: the side grows linearly with height, so volume grows with its cube.
        bottom = 1.0
        top = math.sqrt(ratio)
        side = bottom + (top - bottom) * level / height
        return (side**3 - bottom**3) / (top**3 - bottom**3)


class Measurement:
    """One assessed measurement: what goes into a reading."""

    def __init__(self, distance_mm: "int | None", fill: "float | None", quality: str) -> None:
        self.distance_mm = distance_mm
        self.fill = fill
        self.quality = quality


def assess(pings_mm: "list[int | None]", geometry: Geometry) -> Measurement:
    """Median of the pings, judged against the blind zone, the floor and their agreement.

    No echo is never "empty": it is reported as unknown. A surface inside the blind zone cannot be
    measured, but it means the bin is at least that full, so it counts as full and is flagged.
    """
    heard = [p for p in pings_mm if p is not None]
    if not heard:
        return Measurement(None, None, QUALITY_NO_ECHO)
    middle = median(heard)
    agreeing = [p for p in heard if abs(p - middle) <= AGREEMENT_MM]
    if len(agreeing) * 2 <= len(pings_mm):
        return Measurement(None, None, QUALITY_UNSTABLE)
    if middle < geometry.blind_zone_mm:
        return Measurement(None, 1.0, QUALITY_BLIND_ZONE)
    if middle > geometry.depth_mm + FLOOR_TOLERANCE_MM:
        return Measurement(None, None, QUALITY_OUT_OF_RANGE)
    distance = min(middle, geometry.depth_mm)
    return Measurement(distance, round(geometry.fill_fraction(distance), 4), QUALITY_OK)
