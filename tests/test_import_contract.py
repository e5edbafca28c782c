"""The import-contract check refuses what the rules forbid, on a small tree of its own."""

from __future__ import annotations

from pathlib import Path

import pytest

from harness import import_contract

PYPROJECT = """
[tool.setuptools.packages.find]
include = ["contracts*", "db*", "routing*", "twin*"]
"""


def _tree(root: Path, files: dict[str, str]) -> None:
    (root / "pyproject.toml").write_text(PYPROJECT)
    for package in ("contracts", "db", "routing", "twin", "harness", "tests", "bench"):
        (root / package).mkdir()
        (root / package / "__init__.py").write_text('"""x"""\n__all__: list[str] = []\n')
    (root / "routing" / "__init__.py").write_text(
        '"""x"""\nfrom routing.model import Stop\n\n__all__ = ["Stop"]\n'
    )
    (root / "routing" / "model.py").write_text("class Stop: ...\nclass Hidden: ...\n")
    for name, text in files.items():
        (root / name).write_text(text)


@pytest.fixture
def tree(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """An empty tree the check reads instead of the repository, with no known violations."""
    monkeypatch.setattr(import_contract, "ROOT", tmp_path)
    monkeypatch.setattr(import_contract, "KNOWN", {})
    return tmp_path


def test_the_repository_keeps_the_contract() -> None:
    """The check finds no violation in the repository itself."""
    errors, _ = import_contract.check()
    assert errors == []


def test_a_layer_crossed_upwards_is_refused(tree: Path) -> None:
    """The contract importing the database, and a lazy import of tests, are both violations."""
    _tree(
        tree,
        {
            "contracts/topics.py": "from db import conn\n",
            "routing/cli.py": "def f() -> None:\n    from tests.helpers import poll\n",
        },
    )
    errors, _ = import_contract.check()
    assert any("contracts/topics.py:1" in e and "may not import db" in e for e in errors)
    assert any("routing/cli.py:2" in e and "may not import tests" in e for e in errors)


def test_twin_uses_public_names_only(tree: Path) -> None:
    """A name outside routing's __all__, or any deep import, is refused for twin; a public one is not."""
    _tree(
        tree,
        {
            "twin/a.py": "from routing import Stop\n",
            "twin/b.py": "from routing.model import Stop\n",
            "twin/c.py": "from routing import Hidden\n",
        },
    )
    errors, _ = import_contract.check()
    assert not any("twin/a.py" in e for e in errors)
    assert any("twin/b.py:1" in e for e in errors)
    assert any("twin/c.py:1" in e for e in errors)


def test_deep_imports_of_tests_are_listed_and_a_stale_known_entry_fails(
    tree: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A test's deep import is reported, not refused; a known violation that is gone is an error."""
    _tree(tree, {"tests/x.py": "from routing.model import Hidden\n"})
    (tree / "twin" / "a.py").write_text("from routing.model import Stop\n")
    monkeypatch.setattr(import_contract, "KNOWN", {("twin/a.py", "routing.model"): "moving"})
    errors, deep = import_contract.check(deep=True)
    assert errors == []
    assert deep == ["tests/x.py:1: from routing.model import Hidden"]
    (tree / "twin" / "a.py").write_text("from routing import Stop\n")
    errors, _ = import_contract.check()
    assert errors == [
        "KNOWN lists twin/a.py -> routing.model, which no longer occurs: remove the entry"
    ]


def test_a_product_package_may_not_import_another_deeply(tree: Path) -> None:
    """Any product package, not only twin, imports others through their public face only."""
    _tree(tree, {"db/x.py": "from contracts import nothing_public\n"})
    errors, _ = import_contract.check()
    only_public = "db imports contracts only through its __all__"
    assert errors == [f"db/x.py:1: from contracts import nothing_public: {only_public}"]


def test_a_package_without_all_or_rule_is_refused(tree: Path) -> None:
    """A product package needs __all__ with bound names, and a new package needs a rule."""
    _tree(tree, {})
    (tree / "db" / "__init__.py").write_text('"""x"""\n')
    (tree / "routing" / "__init__.py").write_text('"""x"""\n__all__ = ["Ghost"]\n')
    (tree / "newpart").mkdir()
    (tree / "newpart" / "__init__.py").write_text('"""x"""\n__all__: list[str] = []\n')
    (tree / "pyproject.toml").write_text(PYPROJECT.replace('"twin*"]', '"twin*", "newpart*"]'))
    errors, _ = import_contract.check()
    assert "db/__init__.py: no __all__" in errors
    assert "routing/__init__.py: 'Ghost' is in __all__ but not bound there" in errors
    assert any("package 'newpart' has no rule" in e for e in errors)
