"""``nettestad edge replay``: the whole unit over a recorded file, and its answers to bad input."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

import pytest

from edge.synthetic import make_scene, write_set
from nettestad.cli import main

FPS = 5


@pytest.fixture(scope="module")
def video(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A recorded scene in which a bag is dropped and left (MJPEG AVI, 34 s at 5 fps)."""
    folder = tmp_path_factory.mktemp("replay")
    write_set(folder, [make_scene("drop", "drop", seed=11, duration_s=34, fps=FPS, noise_sigma=3)])
    return folder / "drop.avi"


def _camera(tmp_path: Path, **extra: object) -> Path:
    path = tmp_path / "camera.json"
    path.write_text(
        json.dumps({"device_id": "cam-0001", "hotspot_id": "HS-01", "dwell_s": 10, **extra}),
        "utf-8",
    )
    return path


def _scratch_folders() -> set[str]:
    return {p.name for p in Path(tempfile.gettempdir()).glob("nettestad-replay-*")}


@pytest.mark.slow
def test_replay_prints_one_line_per_event_and_a_summary(
    video: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """The dropped bag is one JSON event whose frames run appear -> owner gone -> dwell later, then a summary of frames, speed and memory, and no scratch folder is left behind."""
    before = _scratch_folders()
    assert main(["edge", "replay", str(video), "--config", str(_camera(tmp_path))]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert len(lines) == 2
    event, summary = (json.loads(line) for line in lines)
    assert set(event) == {"start_frame", "left_frame", "detected_frame", "bbox", "score"}
    assert event["start_frame"] < event["left_frame"] < event["detected_frame"]
    assert event["detected_frame"] - event["left_frame"] == pytest.approx(10 * FPS, abs=2)
    assert len(event["bbox"]) == 4
    assert 0.0 < event["score"] <= 1.0
    assert summary["frames"] == 34 * FPS
    assert summary["fps_cpu"] > 0
    assert summary["peak_rss_mib"] > 0
    assert _scratch_folders() == before


def test_a_truncated_video_is_one_line_and_a_failure(
    video: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A file cut off after its first frames prints one error line, nothing on stdout, and exits non-zero."""
    cut = tmp_path / "cut.avi"
    cut.write_bytes(video.read_bytes()[:60_000])
    assert main(["edge", "replay", str(cut)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "truncated or corrupt" in err


@pytest.mark.slow
def test_a_video_cut_inside_its_header_is_one_line_on_the_error_stream(
    video: Path, tmp_path: Path, capfd: pytest.CaptureFixture[str]
) -> None:
    """A file cut inside its header prints only the command's own line on the process's error stream, not the video library's complaints."""
    cut = tmp_path / "header.avi"
    cut.write_bytes(video.read_bytes()[:5_000])
    assert main(["edge", "replay", str(cut)]) == 2
    out, err = capfd.readouterr()
    assert out == ""
    assert err.strip().splitlines() == [
        f"nettestad edge replay: cannot open {cut} as a video (corrupt or unknown format)"
    ]


def test_a_file_that_is_no_video_is_one_line_and_a_failure(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Bytes that are not a video are refused with one line."""
    junk = tmp_path / "junk.avi"
    junk.write_bytes(b"RIFF" + bytes(range(256)) * 40)
    assert main(["edge", "replay", str(junk)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert len(err.strip().splitlines()) == 1
    assert "junk.avi" in err


def test_a_region_outside_the_frame_is_one_line_and_a_failure(
    video: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A camera file whose watched region leaves the 640x480 frame is refused before any frame is read."""
    config = _camera(tmp_path, regions=[[[0, 200], [900, 200], [900, 470], [0, 470]]])
    assert main(["edge", "replay", str(video), "--config", str(config)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    expected = (
        f"nettestad edge replay: camera file {config}: region point (900, 200)"
        " lies outside the 640x480 frame"
    )
    assert err.strip().splitlines() == [expected]


def test_an_unreadable_face_model_is_one_line_and_a_failure(
    video: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """A face model file that is not a network stops the replay with one line naming the file."""
    model = tmp_path / "centerface.onnx"
    model.write_bytes(b"not a network")
    config = _camera(tmp_path, face_model=str(model))
    assert main(["edge", "replay", str(video), "--config", str(config)]) == 2
    out, err = capsys.readouterr()
    assert out == ""
    assert err.strip().splitlines() == [
        f"nettestad edge replay: the face model {model} is not a readable ONNX network"
    ]
