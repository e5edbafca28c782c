"""``nettestad simulate``: a fleet of simulated bin sensors in Kortrijk over the real MQTT contract."""

from __future__ import annotations

import argparse
import signal
import threading
from datetime import UTC, datetime, timedelta
from types import FrameType


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``simulate`` subcommand."""
    parser = subparsers.add_parser("simulate", help="publish simulated bin readings")
    parser.add_argument("--bins", type=int, default=150, help="number of bins (default 150)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument(
        "--speed", type=float, default=600.0, help="simulated seconds per real second (default 600)"
    )
    parser.add_argument(
        "--hours-back",
        type=float,
        default=48.0,
        help="start the simulated clock this many hours ago (default 48)",
    )
    parser.add_argument(
        "--no-register",
        action="store_true",
        help="do not put the bins and sensors into the database registry",
    )
    parser.set_defaults(handler=_run)


def _run(args: argparse.Namespace) -> int:
    from contracts.settings import ServiceSettings
    from twin.city import generate_bins
    from twin.fleet import Fleet, FleetParams, run
    from twin.publisher import MqttPublisher, register_sites

    settings = ServiceSettings()
    sites = generate_bins(args.bins, seed=args.seed)
    if not args.no_register:
        register_sites(settings, sites)
    start = datetime.now(UTC).replace(second=0, microsecond=0) - timedelta(hours=args.hours_back)
    fleet = Fleet(sites, params=FleetParams(seed=args.seed, speed=args.speed), start=start)
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    with MqttPublisher(settings, client_id=f"simulator-{args.seed}") as publisher:
        sent = run(fleet, publisher.publish, root=settings.topic_root, stop=stop)
    print(f"sent {sent} messages")
    return 0
