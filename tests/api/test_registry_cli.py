"""``nettestad registry import|export`` and audited ``nettestad user`` changes, on the real database."""

from __future__ import annotations

import io
import json
from pathlib import Path
from typing import Any

import pytest

from nettestad.cli import main
from tests.helpers import Conn

EXAMPLES = Path(__file__).resolve().parents[2] / "docs" / "examples"


@pytest.fixture
def cli_db(database_url: str, monkeypatch: pytest.MonkeyPatch) -> str:
    """The command line pointed at this test's database."""
    monkeypatch.setenv("NETTESTAD_DATABASE_URL", database_url)
    return database_url


def test_import_prints_one_line_per_problem_and_stores_nothing(
    cli_db: str, db: Conn, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A file with errors exits 1, names file, line and field, writes the report, stores nothing."""
    report = tmp_path / "report.csv"
    code = main(
        ["registry", "import", str(EXAMPLES / "bins-with-errors.csv"), "--report", str(report)]
    )
    err = capsys.readouterr().err.splitlines()
    assert code == 1
    assert err[0].endswith("bins-with-errors.csv:3: container_type: moet een van street_bin, "
                           "underground, glass, dog_waste, cigarette zijn")  # fmt: skip
    assert len(err) == 8
    assert "Traceback" not in "\n".join(err)
    assert report.read_text().splitlines()[0] == "regel,veld,melding"
    assert db.execute("SELECT count(*) FROM bins").fetchone() == (0,)


def test_import_then_export_geojson(
    cli_db: str, db: Conn, capsys: pytest.CaptureFixture[str], tmp_path: Path
) -> None:
    """A good file is stored and audited; the export writes the same bins."""
    assert main(["registry", "import", str(EXAMPLES / "bins.geojson")]) == 0
    assert capsys.readouterr().out.strip().endswith("5 toegevoegd, 0 bijgewerkt")
    out = tmp_path / "bins.geojson"
    assert main(["registry", "export", "--format", "geojson", "--out", str(out)]) == 0
    ids = sorted(f["id"] for f in json.loads(out.read_text())["features"])
    assert ids == ["hel-101", "kor-101", "kor-102", "kor-103", "mar-101"]
    entry = db.execute("SELECT username, role FROM audit_log WHERE action = 'registry.import'")
    assert entry.fetchone()[1] == "cli"  # type: ignore[index]  # one entry was written


@pytest.mark.parametrize(
    "argv",
    [
        ["registry", "import", "/nonexistent/bins.csv"],
        ["registry", "export", "--out", "/nonexistent/dir/bins.csv"],
    ],
)
def test_bad_paths_give_one_line_and_no_traceback(
    cli_db: str, argv: list[str], capsys: pytest.CaptureFixture[str]
) -> None:
    """A path that cannot be read or written is one line on standard error, exit 1."""
    assert main(argv) == 1
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1
    assert err[0].startswith("nettestad registry: cannot")


def test_user_changes_from_the_command_line_are_audited(
    cli_db: str, db: Conn, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Adding and disabling an account from the command line leaves two audit entries."""
    monkeypatch.setattr("sys.stdin", io.StringIO("een lang wachtwoord\n"))
    assert main(["user", "add", "kim", "--role", "coordinator", "--password-stdin"]) == 0
    assert main(["user", "disable", "kim"]) == 0
    rows = db.execute("SELECT action, role, object_id FROM audit_log ORDER BY id").fetchall()
    assert rows == [("user.create", "cli", "kim"), ("user.disable", "cli", "kim")]


def test_a_locked_out_admin_gets_a_new_password_from_the_command_line(
    cli_db: str, db: Conn, accounts: dict[Any, str], monkeypatch: pytest.MonkeyPatch
) -> None:
    """``nettestad user password`` sets a new hash, ends sessions, and is audited."""
    before = db.execute("SELECT password_hash FROM users WHERE username = 'admin1'").fetchone()
    monkeypatch.setattr("sys.stdin", io.StringIO("een nieuw wachtwoord\n"))
    assert main(["user", "password", "admin1", "--password-stdin"]) == 0
    after = db.execute("SELECT password_hash FROM users WHERE username = 'admin1'").fetchone()
    assert after != before
    rows = db.execute("SELECT action, object_id FROM audit_log").fetchall()
    assert rows == [("user.password_reset", "admin1")]


def test_a_short_password_from_the_command_line_is_one_line(
    cli_db: str,
    accounts: dict[Any, str],
    monkeypatch: pytest.MonkeyPatch,
    capsys: pytest.CaptureFixture[str],
) -> None:
    """Too short a password is refused with one line and exit 1."""
    monkeypatch.setattr("sys.stdin", io.StringIO("kort\n"))
    assert main(["user", "password", "admin1", "--password-stdin"]) == 1
    assert capsys.readouterr().err.strip() == "a password needs at least 10 characters"
