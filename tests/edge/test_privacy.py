"""Nothing identifying leaves the unit: faces blurred, private zones black, originals sealed."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import cv2
import numpy as np
import pytest
from skimage import data

from contracts.evidence import manifest_bytes, parse_manifest, public_key_bytes, sha256_hex, verify
from edge.config import CameraConfig
from edge.detector import Detection
from edge.evidence import MANIFEST, package_event, read_event
from edge.ring import FrameRing
from tests.edge.conftest import MakeTools

ZONE = [(380, 380), (512, 380), (512, 512), (380, 512)]


def _sharpness(image: np.ndarray) -> float:
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY) if image.ndim == 3 else image
    return float(cv2.Laplacian(grey.astype(np.float64), cv2.CV_64F).var())


def _face(image: np.ndarray) -> tuple[int, int, int, int]:
    cascade = cv2.CascadeClassifier(cv2.data.haarcascades + "haarcascade_frontalface_default.xml")
    grey = cv2.cvtColor(image, cv2.COLOR_BGR2GRAY)
    faces = cascade.detectMultiScale(grey, scaleFactor=1.1, minNeighbors=5, minSize=(60, 60))
    assert len(faces) >= 1, "the astronaut's face must be found in the original"
    x, y, w, h = (int(v) for v in max(faces, key=lambda f: f[2] * f[3]))
    return x, y, w, h


@pytest.mark.slow
def test_emitted_frame_has_the_face_blurred_and_the_private_zone_black(
    make_tools: MakeTools,
) -> None:
    """A frame that leaves the unit has no face detail left and a black private zone, while the sealed original keeps both."""
    astronaut = cv2.cvtColor(data.astronaut(), cv2.COLOR_RGB2BGR)  # 512x512, a real face
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

    emitted = cv2.imread(str(item.folder / "during.jpg"))
    assert emitted.shape == astronaut.shape
    x, y, w, h = _face(astronaut)
    assert 150 < x + w / 2 < 260
    assert 60 < y + h / 2 < 180
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
    assert _sharpness(unblurred[y : y + h, x : x + w]) > 0.5 * original_detail
