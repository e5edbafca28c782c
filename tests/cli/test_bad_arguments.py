"""Every ``nettestad`` command answers bad arguments with one clear line and a non-zero exit."""

from __future__ import annotations

import argparse
import subprocess
import sys
from pathlib import Path
from typing import Any

import psycopg
import pytest

from nettestad.cli import build_parser, main


def _commands(parser: argparse.ArgumentParser, path: tuple[str, ...] = ()) -> list[tuple[str, ...]]:
    """Every command path (``device provision``, ``db upgrade``, ...) the parser knows."""
    found = [path] if path else []
    for action in parser._actions:  # argparse offers no public walk of its subparsers
        if isinstance(action, argparse._SubParsersAction):
            for name, sub in action.choices.items():
                found += _commands(sub, (*path, name))
    return found


COMMANDS = _commands(build_parser())


def _one_line_error(capsys: pytest.CaptureFixture[str], argv: list[str]) -> tuple[int, str]:
    try:
        code = main(argv)
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 2
    err = capsys.readouterr().err
    return code, err


def test_every_command_is_found() -> None:
    """The walk finds the commands of every part (so the test below covers them all)."""
    names = {c[0] for c in COMMANDS}
    assert {"db", "api", "user", "plan", "device", "demo", "simulate", "backup"} <= names
    assert ("device", "provision") in COMMANDS


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_an_unknown_option_gives_one_line_and_exit_2(
    command: tuple[str, ...], capsys: pytest.CaptureFixture[str]
) -> None:
    """An unknown option ends in exit status 2 and one line naming the command, no traceback."""
    code, err = _one_line_error(capsys, [*command, "--no-such-option=1"])
    assert code == 2
    lines = err.strip().splitlines()
    assert len(lines) == 1, err
    assert "Traceback" not in err
    assert lines[0].startswith("nettestad")
    assert "--no-such-option" in lines[0] or "required" in lines[0]


def test_a_missing_command_gives_one_line() -> None:
    """``nettestad`` alone says a command is needed, in one line."""
    result = subprocess.run(
        [sys.executable, "-m", "nettestad.cli"], capture_output=True, text=True, check=False
    )
    assert result.returncode == 2
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "Traceback" not in result.stderr


def test_provisioning_into_a_folder_gives_one_line_not_a_traceback(
    database_url: str,
    db: psycopg.Connection[tuple[Any, ...]],
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """``device provision --out DIR`` (a folder, not a file) fails with one line and exit 1."""
    monkeypatch.setenv("NETTESTAD_DATABASE_URL", database_url)
    monkeypatch.setenv("NETTESTAD_WIFI_PASSWORD", "stadsnet-geheim")
    db.execute(
        """INSERT INTO bins (id, name, district, container_type, volume_l, depth_mm, lat, lon)
           VALUES ('kor-cli', 'CLI-bak', 'Centrum', 'street_bin', 120, 1000, 50.83, 3.26)"""
    )
    argv = [
        sys.executable,
        "-m",
        "nettestad.cli",
        "device",
        "provision",
        "fs-cli-1",
        "--bin",
        "kor-cli",
        "--wifi-ssid",
        "stad",
        "--mqtt-host",
        "localhost",
        "--no-tls",
        "--out",
        str(tmp_path),
    ]
    result = subprocess.run(argv, capture_output=True, text=True, check=False, input="geheim\n")
    assert result.returncode != 0
    assert "Traceback" not in result.stderr, result.stderr
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert "is a folder" in result.stderr, result.stderr
    assert str(tmp_path) in result.stderr


def test_a_bad_date_gives_one_line(capsys: pytest.CaptureFixture[str]) -> None:
    """A date that is not a date is refused by the parser or the command in one line."""
    code, err = _one_line_error(capsys, ["plan", "--date", "31-02-2026"])
    assert code != 0
    assert len(err.strip().splitlines()) == 1, err
    assert "Traceback" not in err
