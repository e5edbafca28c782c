"""``nettestad api``: serve the API and web app."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``api`` subcommand."""
    parser = subparsers.add_parser("api", help="serve the API and web app")
    parser.add_argument("--host", default=None, help="listen address (default from settings)")
    parser.add_argument("--port", type=int, default=None)
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    import uvicorn

    from api.app import create_app
    from api.settings import get_api_settings

    settings = get_api_settings()
    uvicorn.run(
        create_app(settings),
        host=args.host or settings.host,
        port=args.port or settings.port,
        log_level="info",
    )
    return 0
