"""``nettestad simulate``: the Kortrijk twin live: sensors and cameras over MQTT, planner, crews."""

from __future__ import annotations

import argparse
import logging
import os
import signal
import sys
import threading
import time
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
        "--no-operations",
        action="store_true",
        help="only publish: no daily planning and no crews",
    )
    parser.add_argument(
        "--api-url",
        default=None,
        help="crews act through this web app's crew API (password in NETTESTAD_TWIN_PASSWORD)",
    )
    parser.add_argument(
        "--no-register",
        action="store_true",
        help="do not put the bins and sensors into the database registry",
    )
    parser.set_defaults(handler=_run)


def _wait_for_api(url: str, stop: threading.Event, deadline_s: float = 60.0) -> bool:
    import httpx

    deadline = time.monotonic() + deadline_s
    while time.monotonic() < deadline and not stop.is_set():
        try:
            if httpx.get(f"{url.rstrip('/')}/health", timeout=2).status_code == 200:
                return True
        except httpx.HTTPError:
            pass
        stop.wait(0.3)  # polling the web app until it answers, bounded by the deadline
    return False


def _run(args: argparse.Namespace) -> int:
    from config import ServiceSettings
    from twin import (
        ApiCrewChannel,
        CrewChannel,
        DbCrewChannel,
        Fleet,
        FleetParams,
        LiveOperations,
        MqttPublisher,
        World,
        build_city,
        catch_up_plan_today,
        ensure_demo_accounts,
        register_sites,
        start_of_history,
    )
    from twin.fleet import run

    logging.getLogger("httpx").setLevel(logging.WARNING)  # one line per crew request is noise
    settings = ServiceSettings()
    city = build_city(seed=args.seed, bins=args.bins)
    if not args.no_register:
        register_sites(settings, city)
    start = start_of_history(datetime.now(UTC), args.hours_back / 24)
    fleet = Fleet(city, params=FleetParams(seed=args.seed, speed=args.speed), start=start)
    stop = threading.Event()

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    ops = None
    if not args.no_operations:
        database_url = settings.database_url.get_secret_value()
        crews: CrewChannel = DbCrewChannel(database_url)
        if args.api_url:
            password = os.environ.get("NETTESTAD_TWIN_PASSWORD", "")
            accounts = ensure_demo_accounts(settings, password, reset=False)
            if not _wait_for_api(args.api_url, stop):
                print(f"the web app at {args.api_url} did not answer", file=sys.stderr)
                return 1
            crews = ApiCrewChannel(args.api_url, accounts, seed=args.seed)
        ops = LiveOperations(database_url, seed=args.seed, crews=crews)
    caught_up = staged = False

    def on_step(world: World) -> None:
        nonlocal caught_up, staged
        behind = datetime.now(UTC) - world.clock
        if not staged and city.hotspots and timedelta(minutes=15) <= behind <= timedelta(hours=1):
            # Shortly before the replay reaches the present, a camera sees a dump for certain,
            # so a newcomer finds a fresh detection in the review queue.
            staged = True
            world.dumping.stage(city.hotspots[0], world.clock)
        if ops is None:
            return
        ops(world)
        if not caught_up and world.clock + timedelta(minutes=15) > datetime.now(UTC):
            caught_up = True
            catch_up_plan_today(ops, world)

    with MqttPublisher(settings, client_id=f"simulator-{settings.topic_root}-{args.seed}") as pub:
        sent = run(fleet, pub.publish, root=settings.topic_root, stop=stop, on_step=on_step)
    print(f"sent {sent} messages")
    return 0
