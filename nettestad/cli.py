"""``nettestad``: subcommands are contributed by the parts that own them.

Each module listed in ``COMMAND_MODULES`` has ``register(subparsers)``, which adds its
subcommands with a ``handler`` default taking the parsed arguments and returning an exit code.
Modules are imported lazily by name so that a camera unit, which installs only the ``edge``
extra, still gets a working command for its own part.
"""

from __future__ import annotations

import argparse
import importlib
import sys
from collections.abc import Callable, Sequence
from typing import NoReturn, Protocol, cast

from config import InsecureSettingError
from nettestad.jsonlog import configure_logging

# module → the subcommands it registers (named here so a module whose extra is missing can
# still be listed, with a hint, under its own commands)
COMMAND_MODULES: dict[str, tuple[str, ...]] = {
    "db.cli": ("db",),
    "edge.cli": ("edge",),
    "ingest.cli": ("ingest",),
    "api.cli": ("api",),
    "api.users_cli": ("user", "evidence"),
    "nettestad.simulate": ("simulate",),
    "demo.cli": ("demo",),
    "devices.cli": ("device",),
    "nettestad.compare": ("compare",),
    "broker.cli": ("broker",),
    "ops.cli": ("backup",),
    "scheduler.cli": ("scheduler",),
    "routing.cli": ("plan",),
    "routing.servicedays_cli": ("servicedays",),
    "nettestad.registry": ("registry",),
}
_OUR_PACKAGES = frozenset(name.split(".")[0] for name in COMMAND_MODULES) | {
    "contracts",
    "config",
    "metrics",
}


class _Registrar(Protocol):
    def register(self, subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
        """Add this module's subcommands."""


class _OneLineParser(argparse.ArgumentParser):
    """Bad arguments end in one line naming the command and the fault, and exit status 2."""

    def error(self, message: str) -> NoReturn:
        self.exit(2, f"{self.prog}: {message} (see {self.prog} --help)\n")


def build_parser() -> argparse.ArgumentParser:
    """The full parser; a part whose extra is not installed is listed as unavailable."""
    parser: argparse.ArgumentParser = _OneLineParser(
        prog="nettestad", description=__doc__.splitlines()[0]
    )
    parser.add_argument("-v", "--verbose", action="store_true", help="debug logging")
    subparsers = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for name, commands in COMMAND_MODULES.items():
        try:
            module = cast(_Registrar, importlib.import_module(name))
        except ModuleNotFoundError as exc:
            # Only a missing third-party extra is tolerated; our own modules must import.
            if exc.name and exc.name.split(".")[0] in _OUR_PACKAGES:
                raise
            for command in commands:
                unavailable = subparsers.add_parser(
                    command, help=f"(needs an extra that is not installed: {exc.name})"
                )
                unavailable.set_defaults(handler=_missing_extra(exc.name or name))
            continue
        module.register(subparsers)
    return parser


def _missing_extra(what: str) -> Callable[[argparse.Namespace], int]:
    def handler(_: argparse.Namespace) -> int:
        print(f"this command needs {what}; install nettestad[server]", file=sys.stderr)
        return 2

    return handler


def main(argv: Sequence[str] | None = None) -> int:
    """Run one subcommand and return its exit code."""
    parser = build_parser()
    args = parser.parse_args(argv)
    configure_logging(verbose=args.verbose)
    handler = cast(Callable[[argparse.Namespace], int], args.handler)
    try:
        return handler(args)
    except ModuleNotFoundError as exc:
        # Handlers import their part lazily; on a unit without that extra, say what is missing.
        if not exc.name or exc.name.split(".")[0] in _OUR_PACKAGES:
            raise
        return _missing_extra(exc.name)(args)
    except InsecureSettingError as exc:
        # An operator's mistake, not a bug: say which setting, without a traceback.
        print(f"nettestad {args.command}: {exc}", file=sys.stderr)
        return 78  # EX_CONFIG from sysexits.h
    except KeyboardInterrupt:
        return 130
    except Exception as exc:
        if args.verbose:
            raise
        print(f"nettestad {args.command}: {_one_line(exc)}", file=sys.stderr)
        return 1


def _one_line(exc: BaseException) -> str:
    """An exception as one readable line (its first line, with what kind of error it is)."""
    text = " ".join(str(exc).split()) or type(exc).__name__
    if isinstance(exc, OSError) and exc.strerror:
        where = f": {exc.filename}" if exc.filename else ""
        text = f"{exc.strerror}{where}"
    return text[:400]


if __name__ == "__main__":
    sys.exit(main())
