"""``nettestad ingest``: run the ingest service until SIGINT or SIGTERM."""

from __future__ import annotations

import argparse
import gc
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
    # A batch allocates several objects per reading and frees them all at commit, so the
    # collector's default pace (a young pass every 700 allocations, which also walks the
    # long-lived modules and settings) costs CPU for nothing: move what lives for good out of its
    # sight and let the young generation grow larger.
    gc.freeze()
    gc.set_threshold(50_000, 20, 20)
    service.run_forever()
    return 0
