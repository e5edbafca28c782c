"""Nothing identifying leaves the unit: faces blurred, private zones black, originals sealed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import cv2
import numpy as np
import pytest
from skimage import data

from contracts.evidence import manifest_bytes, parse_manifest, public_key_bytes, sha256_hex, verify
from edge.config import CameraConfig
from edge.detector import Detection
from edge.evidence import MANIFEST, package_event, read_event
from edge.faces import ModelError
from edge.plates import find_plates
from edge.privacy import FACE_PAD, PrivacyFilter
from edge.privacy_eval import (
    ASTRONAUT_FACE,
    belgian_plate,
    face_cases,
    hidden,
    negative_frames,
)
from edge.ring import FrameRing
from tests.edge.conftest import MakeTools

Box = tuple[int, int, int, int]
ZONE = [(380, 380), (512, 380), (512, 512), (380, 512)]


def _read(path: str) -> np.ndarray:
    """The picture in ``path``; the test fails when it is missing or unreadable."""
    image = cv2.imread(path)
    assert image is not None, f"{path} is not a readable picture"
    return np.asarray(image)


def _sharpness(image: np.ndarray) -> float:
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    return float(cv2.Laplacian(grey.astype(np.float64), cv2.CV_64F).var())


@pytest.mark.slow
def test_emitted_frame_has_the_face_blurred_and_the_private_zone_black(
    make_tools: MakeTools,
) -> None:
    """A frame that leaves the unit has no face detail left and a black private zone, while the sealed original keeps both."""
    astronaut = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)  # type: ignore[no-untyped-call]  # scikit-image's sample data has no annotations  # 512x512, a real face
    config = CameraConfig(
        device_id="cam-0001",
        hotspot_id="HS-01",
        width=512,
        height=512,
        private_zones=[ZONE],
        clip_fps=1.0,
    )
    tools = make_tools(config)
    ring = FrameRing(seconds=60, fps=1)
    start = datetime(2026, 11, 28, 21, 40, tzinfo=UTC)
    for step in range(50):
        ring.push(start + timedelta(seconds=step * 0.5), astronaut)
    detection = Detection(
        track_id=1,
        started_at=start + timedelta(seconds=5),
        detected_at=start + timedelta(seconds=20),
        bbox=(100, 300, 80, 60),
        area_px=4800,
        score=0.9,
        person_present=True,
        vehicle_present=False,
    )
    item = package_event(detection, ring, tools)

    emitted = _read(str(item.folder / "during.jpg"))
    assert emitted.shape == astronaut.shape
    x, y, w, h = ASTRONAUT_FACE
    original_detail = _sharpness(astronaut[y : y + h, x : x + w])
    emitted_detail = _sharpness(emitted[y : y + h, x : x + w])
    assert emitted_detail < 0.03 * original_detail, (original_detail, emitted_detail)
    # Away from the face and zone the picture is intact (the blur is local, not global).
    assert _sharpness(emitted[300:370, 20:120]) > 0.5 * _sharpness(astronaut[300:370, 20:120])

    zone = emitted[384:512, 384:512]
    assert int(zone.max()) <= 6, "the private zone must be black in what leaves the unit"
    assert int(astronaut[384:512, 384:512].max()) > 100  # it was not black to begin with

    # The clip is blurred too: its frames carry no face detail either.
    clip = cv2.VideoCapture(str(item.folder / "clip.avi"))
    ok, first = clip.read()
    clip.release()
    assert ok
    half = (x // 2, y // 2, w // 2, h // 2)
    hx, hy, hw, hh = half
    small = cv2.resize(astronaut, (256, 256), interpolation=cv2.INTER_AREA)
    assert _sharpness(first[hy : hy + hh, hx : hx + hw]) < 0.05 * _sharpness(
        small[hy : hy + hh, hx : hx + hw]
    )

    # The unblurred original stays on the unit, sealed, and matches the signed manifest.
    event = read_event(item)
    signed = (item.folder / MANIFEST).read_bytes()
    manifest = parse_manifest(signed)
    assert manifest_bytes(manifest) == signed
    assert event.manifest_sha256 == sha256_hex(signed)
    assert event.signature_b64 is not None
    verify(public_key_bytes(tools.key), signed, event.signature_b64)
    raw = tools.vault.get(event.event_id, "raw-during.jpg")
    assert raw is not None
    entry = manifest.entry("raw-during.jpg")
    assert entry is not None
    assert entry.sha256 == sha256_hex(raw)
    on_disk = (tools.vault.folder / event.event_id / "raw-during.jpg.enc").read_bytes()
    assert raw[:2000] not in on_disk  # encrypted at rest
    assert not any(p.name.startswith("raw") for p in item.folder.iterdir())
    unblurred = cv2.imdecode(np.frombuffer(raw, np.uint8), cv2.IMREAD_COLOR)
    assert unblurred is not None, "the sealed original is not a picture"
    assert _sharpness(unblurred[y : y + h, x : x + w]) > 0.5 * original_detail


def _event(ring: FrameRing, start: datetime) -> Detection:
    return Detection(
        track_id=1,
        started_at=start + timedelta(seconds=4),
        detected_at=start + timedelta(seconds=14),
        bbox=(10, 300, 60, 40),
        area_px=2400,
        score=0.9,
        person_present=True,
        vehicle_present=False,
    )


@pytest.mark.slow
def test_a_40_px_face_tilted_30_degrees_is_blurred_in_the_still_and_in_the_half_size_clip(
    make_tools: MakeTools,
) -> None:
    """A real face 40 px wide and tilted 30 degrees in a 640x480 street frame loses its detail in the still and in the clip, which is stored at half size."""
    (case,) = face_cases(seed=7, widths=(40,), tilts=(30.0,), per_setting=1)[:1]
    tools = make_tools(CameraConfig(device_id="cam-0001", hotspot_id="HS-01", clip_fps=1.0))
    ring = FrameRing(seconds=60, fps=1)
    start = datetime(2026, 11, 28, 21, 40, tzinfo=UTC)
    for step in range(20):
        ring.push(start + timedelta(seconds=step), case.image)
    item = package_event(_event(ring, start), ring, tools)
    x, y, w, h = case.box
    assert hidden(case, tools.privacy.find(case.image))
    still = _read(str(item.folder / "during.jpg"))
    original = _sharpness(case.image[y : y + h, x : x + w])
    assert _sharpness(still[y : y + h, x : x + w]) < 0.1 * original
    clip = cv2.VideoCapture(str(item.folder / "clip.avi"))
    ok, first = clip.read()
    clip.release()
    assert ok
    assert first.shape[:2] == (240, 320)
    half = cv2.resize(case.image, (320, 240), interpolation=cv2.INTER_AREA)
    hx, hy, hw, hh = x // 2, y // 2, max(2, w // 2), max(2, h // 2)
    assert _sharpness(first[hy : hy + hh, hx : hx + hw]) < 0.2 * _sharpness(
        half[hy : hy + hh, hx : hx + hw]
    )


def test_a_belgian_plate_in_perspective_is_found() -> None:
    """A red-on-white plate with its blue EU band, 90 px wide and slanted, is covered by a found box."""
    frame = np.full((480, 640, 3), 95, np.uint8)
    cv2.rectangle(frame, (200, 250), (440, 360), (40, 40, 140), -1)  # a car's rear
    plate = cv2.resize(belgian_plate("1-ABC-234"), (90, 19), interpolation=cv2.INTER_AREA)
    src = np.array([[0, 0], [90, 0], [90, 19], [0, 19]], np.float32)
    dst = np.array([[0, 4], [90, 0], [88, 19], [2, 23]], np.float32)
    warped = cv2.warpPerspective(plate, cv2.getPerspectiveTransform(src, dst), (90, 24))
    mask = cv2.warpPerspective(
        np.ones((19, 90), np.uint8), cv2.getPerspectiveTransform(src, dst), (90, 24)
    )
    region = frame[300:324, 275:365]
    region[mask > 0] = warped[mask > 0]
    boxes = find_plates(frame)
    assert any(
        bx <= 280 and by <= 303 and bx + bw >= 360 and by + bh >= 321 for bx, by, bw, bh in boxes
    )


def test_an_unreadable_face_model_stops_the_filter_with_a_clear_error(tmp_path: Path) -> None:
    """A face model that is missing or not a network raises ModelError naming the file: a unit that cannot blur does not start."""
    garbage = tmp_path / "centerface.onnx"
    garbage.write_bytes(b"\x00" * 64)
    with pytest.raises(ModelError, match="is not a readable ONNX network"):
        PrivacyFilter(CameraConfig(device_id="cam-0001", hotspot_id="HS-01", face_model=garbage))
    missing = tmp_path / "missing.onnx"
    with pytest.raises(ModelError, match="cannot read the face model"):
        PrivacyFilter(CameraConfig(device_id="cam-0001", hotspot_id="HS-01", face_model=missing))


@pytest.mark.slow
def test_a_20_px_face_tilted_45_degrees_and_seen_from_above_is_hidden() -> None:
    """The astronaut's real face, 20 px wide, tilted 45 degrees and foreshortened as from a pole, is covered by the boxes that are blurred."""
    cases = face_cases(seed=6, widths=(20,), tilts=(45.0,), per_setting=1)
    (case,) = [c for c in cases if c.from_above]
    assert case.source == "astronaut"
    privacy = PrivacyFilter(CameraConfig(device_id="cam-0001", hotspot_id="HS-01"))
    assert hidden(case, privacy.find(case.image))


@pytest.mark.slow
def test_no_face_is_found_on_an_empty_street() -> None:
    """The paved street without anyone on it gives no face box, so nothing of the evidence is blurred for nothing."""
    privacy = PrivacyFilter(CameraConfig(device_id="cam-0001", hotspot_id="HS-01"))
    pavements = [frame for name, frame in negative_frames(seed=3) if name.startswith("pavement")]
    assert len(pavements) == 12
    assert [privacy.find_faces(frame) for frame in pavements] == [[]] * 12


@pytest.mark.slow
def test_a_weak_find_larger_than_a_third_of_the_frame_is_not_taken_for_a_face() -> None:
    """On a photograph of the moon, whose craters the turned search scores weakly as a huge face, every face box stays small."""
    (moon,) = [frame for name, frame in negative_frames(seed=3, pavements=0) if name == "moon"]
    privacy = PrivacyFilter(CameraConfig(device_id="cam-0001", hotspot_id="HS-01"))
    boxes = privacy.find_faces(moon)
    assert all(max(w, h) <= 0.35 * 480 * (1 + 2 * FACE_PAD) for _, _, w, h in boxes), boxes


def _plate_on_car(body: tuple[int, int, int], tilt: float) -> tuple[np.ndarray, Box]:
    """A 90 px Belgian plate turned by ``tilt`` degrees on a car of colour ``body``, on pavement."""
    frame = negative_frames(seed=5, pavements=1)[-1][1].copy()
    cv2.rectangle(frame, (200, 250), (440, 360), body, -1)
    plate = cv2.resize(belgian_plate("2-KLM-507"), (90, 19), interpolation=cv2.INTER_AREA)
    turn = cv2.getRotationMatrix2D((45, 9.5), tilt, 1.0)
    turn[:, 2] += np.array([320 - 45, 300 - 9.5])
    warped = cv2.warpAffine(plate, turn, (640, 480))
    mask = cv2.warpAffine(np.ones((19, 90), np.uint8), turn, (640, 480))
    frame[mask > 0] = warped[mask > 0]
    ys, xs = np.nonzero(mask)
    return frame, (int(xs.min()), int(ys.min()), int(np.ptp(xs)) + 1, int(np.ptp(ys)) + 1)


def _covered(box: Box, boxes: list[Box]) -> bool:
    """Whether one box covers ``box`` and is at most twice as wide (not the whole car or street)."""
    x, y, w, h = box
    return any(
        bx <= x and by <= y and bx + bw >= x + w and by + bh >= y + h and bw <= 2 * w
        for bx, by, bw, bh in boxes
    )


def test_a_plate_tilted_30_degrees_on_a_red_car_is_found() -> None:
    """A Belgian plate turned 30 degrees on a dark red car, whose paint is as red as the characters, lies inside a blurred box of about its size."""
    frame, box = _plate_on_car((30, 30, 150), 30.0)
    privacy = PrivacyFilter(CameraConfig(device_id="cam-0001", hotspot_id="HS-01"))
    assert _covered(box, privacy.find_plates(frame))


def test_a_plate_tilted_20_degrees_on_a_grey_car_surrounded_by_pavement_is_found() -> None:
    """A plate turned 20 degrees on a light grey car, which counts as white like the pavement around it, lies inside a blurred box of about its size."""
    frame, box = _plate_on_car((150, 150, 150), 20.0)
    privacy = PrivacyFilter(CameraConfig(device_id="cam-0001", hotspot_id="HS-01"))
    assert _covered(box, privacy.find_plates(frame))
