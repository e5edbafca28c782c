"""``nettestad demo``: the simulated city with ingest and the web app, on this machine."""

from __future__ import annotations

import argparse


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``demo`` subcommand."""
    parser = subparsers.add_parser("demo", help="run ingest, simulator and web app together")
    parser.add_argument("--port", type=int, default=8000)
    parser.add_argument("--bins", type=int, default=150)
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--speed", type=float, default=3000.0, help="simulated seconds per real second"
    )
    parser.add_argument("--hours-back", type=float, default=48.0, help="history to replay")
    parser.set_defaults(handler=_demo)


def _demo(args: argparse.Namespace) -> int:
    from demo.stack import run

    return run(
        port=args.port,
        bins=args.bins,
        seed=args.seed,
        speed=args.speed,
        hours_back=args.hours_back,
    )
