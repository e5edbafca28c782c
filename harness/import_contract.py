"""The import contract, checked over the import graph by ``./manage check``.

    .venv/bin/python -m harness.import_contract            # the rules; exit 1 on a violation
    .venv/bin/python -m harness.import_contract --deep     # also list every deep import

Rules (docs/architecture.md draws them):

1. Layers. A package imports only the packages ``LAYERS`` allows it: ``contracts`` nothing of
   ours; ``config``, ``db`` and ``broker`` the contract and the settings; ``ingest`` and
   ``routing`` the platform; ``edge`` only what a camera unit installs; ``api`` and ``twin`` the
   layers below them; ``nettestad`` (the command line) everything.
2. Nothing imports ``tests``; the product imports neither ``bench`` nor ``harness``.
3. Public faces. Every product package's ``__init__`` has ``__all__``, and every name in it is
   bound there. A product package imports another only through its public face: names in its
   ``__all__``, or a module its ``__all__`` lists (``db`` lists its aggregate modules, so
   ``from db.plans import PlanStop`` is public; ``from routing.model import Stop`` is not).

``--deep`` lists the deep imports of tests and bench too (allowed there). ``KNOWN`` lists the violations being removed: each must still occur, so
the list only shrinks. Every import counts, also one inside a function or under TYPE_CHECKING.
"""

from __future__ import annotations

import argparse
import ast
import sys
import tomllib
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

# What each package may import of ours (besides itself).
PLATFORM = frozenset({"contracts", "config", "db", "broker"})
PRODUCT_LAYERS: dict[str, frozenset[str]] = {
    "contracts": frozenset(),
    "config": frozenset({"contracts"}),
    "db": frozenset({"contracts", "config"}),
    "metrics": frozenset(),
    "broker": frozenset({"contracts", "config", "metrics"}),
    "ingest": PLATFORM | {"metrics"},
    "routing": PLATFORM,
    # A camera unit installs the core (contract, settings, MQTT client) and the edge extra only.
    "edge": frozenset({"contracts", "config", "broker"}),
    "api": PLATFORM | {"ingest", "routing"},
    "twin": PLATFORM | {"ingest", "routing", "api"},
    "scheduler": PLATFORM | {"metrics", "routing"},
    "devices": PLATFORM | {"ingest"},
    "ops": PLATFORM | {"api"},
}
# The demo and the command line sit above every other part: they run them all.
PRODUCT_LAYERS["demo"] = frozenset(PRODUCT_LAYERS) | {"edge", "twin"}
PRODUCT_LAYERS["nettestad"] = frozenset(PRODUCT_LAYERS) | {"edge", "twin"}
PRODUCT = frozenset(PRODUCT_LAYERS)
LAYERS: dict[str, frozenset[str]] = {
    **PRODUCT_LAYERS,
    "harness": PRODUCT,
    "tests": PRODUCT | {"harness"},
    "bench": PRODUCT | {"harness"},
}
PUBLIC_ONLY = PRODUCT  # product packages use each other through their __all__ only

# Violations being removed: (importing file, the package or module it may not use that way) and
# the reason. A package matches any import of it, so rewriting a deep import to a public name
# keeps the entry; a module matches only that module.
KNOWN: dict[tuple[str, str], str] = {}

# MicroPython code, typed and compiled by firmware/check instead.
SKIPPED = ("tests/firmware/mp/", "tests/firmware/fakes/", "api/web/")


@dataclass(frozen=True, slots=True)
class Use:
    """One imported name (or module, ``name=None``) at one place."""

    file: str
    line: int
    module: str
    name: str | None

    @property
    def target(self) -> str:
        """The module imported from, or the module imported (``from pkg import mod``)."""
        if self.name is not None and is_module(f"{self.module}.{self.name}"):
            return f"{self.module}.{self.name}"
        return self.module

    @property
    def text(self) -> str:
        """The import as written, one name."""
        return (
            f"import {self.module}"
            if self.name is None
            else f"from {self.module} import {self.name}"
        )


def packages() -> list[str]:
    """Our top-level packages: pyproject's package list, and the trees around the product."""
    found = tomllib.loads((ROOT / "pyproject.toml").read_text())["tool"]["setuptools"]
    names = [p.rstrip("*") for p in found["packages"]["find"]["include"]]
    return sorted({*names, "harness", "tests", "bench"})


def is_package(module: str) -> bool:
    """Whether ``module`` is one of our packages (a folder with an ``__init__.py``)."""
    return (ROOT / module.replace(".", "/") / "__init__.py").exists()


def is_module(module: str) -> bool:
    """Whether ``module`` is one of our modules or packages."""
    path = ROOT / module.replace(".", "/")
    return path.with_suffix(".py").exists() or (path / "__init__.py").exists()


def exported(package: str) -> list[str] | None:
    """The literal ``__all__`` of a package's ``__init__``, or None when it has none."""
    tree = ast.parse((ROOT / package.replace(".", "/") / "__init__.py").read_text())
    for node in tree.body:
        if isinstance(node, ast.Assign) and len(node.targets) == 1:
            target, value = node.targets[0], node.value
        elif isinstance(node, ast.AnnAssign) and node.value is not None:
            target, value = node.target, node.value
        else:
            continue
        if isinstance(target, ast.Name) and target.id == "__all__":
            names = ast.literal_eval(value)
            return [str(name) for name in names]
    return None


def bound(package: str) -> set[str]:
    """Every name a package's ``__init__`` binds (imports, also under TYPE_CHECKING, and defs)."""
    tree = ast.parse((ROOT / package.replace(".", "/") / "__init__.py").read_text())
    names: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import | ast.ImportFrom):
            names.update(a.asname or a.name.split(".")[0] for a in node.names)
        elif isinstance(node, ast.FunctionDef | ast.ClassDef):
            names.add(node.name)
        elif isinstance(node, ast.Assign):
            names.update(t.id for t in node.targets if isinstance(t, ast.Name))
        elif isinstance(node, ast.AnnAssign) and isinstance(node.target, ast.Name):
            names.add(node.target.id)
    return names


def sources(package: str) -> Iterator[Path]:
    """The Python files of a package, without the MicroPython ones."""
    for path in sorted((ROOT / package).rglob("*.py")):
        relative = path.relative_to(ROOT).as_posix()
        if not relative.startswith(SKIPPED) and "node_modules" not in path.parts:
            yield path


def uses(path: Path, ours: frozenset[str]) -> Iterator[Use]:
    """Every import of one of our packages in a file, one name at a time."""
    file = path.relative_to(ROOT).as_posix()
    for node in ast.walk(ast.parse(path.read_text(), filename=file)):
        if isinstance(node, ast.Import):
            for alias in node.names:
                if alias.name.split(".")[0] in ours:
                    yield Use(file, node.lineno, alias.name, None)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            if node.module.split(".")[0] not in ours:
                continue
            for alias in node.names:  # a submodule (`from pkg import mod`) counts as a name
                yield Use(file, node.lineno, node.module, alias.name)


def is_public(use: Use) -> bool:
    """Whether an import goes through a package's public face: a name in its ``__all__``, or a
    module its ``__all__`` lists (``from db.plans import PlanStop``, ``db`` listing ``plans``)."""
    if "." in use.module:  # ``pkg.mod``: public when ``mod`` is a module ``pkg`` lists in __all__
        package, _, module = use.module.partition(".")
        return "." not in module and module in (exported(package) or [])
    if use.name is None:
        return is_package(use.module)
    if not is_package(use.module):
        return False
    return use.name in (exported(use.module) or [])


def check(*, deep: bool = False) -> tuple[list[str], list[str]]:
    """The violations of the rules, and (with ``deep``) the deep imports between packages."""
    names = packages()
    ours = frozenset(names)
    errors: list[str] = [
        f"package {p!r} has no rule: add it to LAYERS in harness/import_contract.py"
        for p in names
        if p not in LAYERS
    ]
    for package in sorted(PRODUCT & ours):
        found = exported(package)
        if found is None:
            errors.append(f"{package}/__init__.py: no __all__")
            continue
        errors.extend(
            f"{package}/__init__.py: {name!r} is in __all__ but not bound there"
            for name in sorted(set(found) - bound(package))
        )
    seen: set[tuple[str, str]] = set()
    deep_imports: list[str] = []
    for package in names:
        allowed = LAYERS.get(package, frozenset())
        for path in sources(package):
            for use in uses(path, ours):
                target = use.module.split(".")[0]
                if target == package:
                    continue
                where = f"{use.file}:{use.line}: {use.text}"
                crossed = target not in allowed
                deep_from_twin = package in PUBLIC_ONLY and not is_public(use)
                known = {(use.file, target), (use.file, use.target)} & KNOWN.keys()
                if (crossed or deep_from_twin) and known:
                    seen.update(known)
                    continue
                if crossed:
                    errors.append(f"{where}: {package} may not import {target}")
                elif deep_from_twin:
                    errors.append(f"{where}: {package} imports {target} only through its __all__")
                elif deep and not is_public(use):
                    deep_imports.append(where)
    errors.extend(
        f"KNOWN lists {file} -> {module}, which no longer occurs: remove the entry"
        for file, module in sorted(set(KNOWN) - seen)
    )
    return errors, deep_imports


def main(argv: list[str] | None = None) -> int:
    """Print the violations (and deep imports); 1 when a rule is broken."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--deep", action="store_true", help="also list deep imports")
    args = parser.parse_args(argv)
    errors, deep_imports = check(deep=args.deep)
    for line in deep_imports:
        print(f"deep: {line}")
    for line in errors:
        print(line, file=sys.stderr)
    if errors:
        print(f"import contract: {len(errors)} violation(s)", file=sys.stderr)
        return 1
    print(f"import contract: kept ({len(KNOWN)} known violation(s) being removed)", file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())
