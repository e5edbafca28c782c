"""``nettestad ingest``: run the ingest service until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import signal
from types import FrameType


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``ingest`` subcommand."""
    parser = subparsers.add_parser("ingest", help="store device messages from MQTT")
    parser.set_defaults(handler=_run)


def _run(_: argparse.Namespace) -> int:
    from ingest.service import IngestService
    from ingest.settings import get_ingest_settings

    service = IngestService(get_ingest_settings())

    def on_signal(_signum: int, _frame: FrameType | None) -> None:
        service.stop()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    service.run_forever()
    return 0
