"""``nettestad edge ...``: run a camera unit, manage its key, and evaluate the detector."""

from __future__ import annotations

import argparse
import base64
import logging
import signal
import sys
import threading
from pathlib import Path
from types import FrameType

log = logging.getLogger(__name__)


def register(subparsers: argparse._SubParsersAction[argparse.ArgumentParser]) -> None:
    """Add the ``edge`` subcommands."""
    edge = subparsers.add_parser("edge", help="camera unit at a dumping hotspot")
    sub = edge.add_subparsers(dest="edge_command", required=True)

    run = sub.add_parser("run", help="watch the configured camera and deliver events")
    run.add_argument(
        "--config", type=Path, default=None, help="camera JSON (default from settings)"
    )
    run.set_defaults(handler=_run)

    keygen = sub.add_parser("key", help="create the device key if needed and print its public half")
    keygen.set_defaults(handler=_key)

    make = sub.add_parser("make-testset", help="write synthetic hotspot videos with ground truth")
    make.add_argument("--out", type=Path, required=True)
    make.add_argument("--count", type=int, default=48)
    make.add_argument("--seed", type=int, default=2026)
    make.add_argument("--duration", type=float, default=45.0, help="seconds per video")
    make.set_defaults(handler=_make)

    replay = sub.add_parser(
        "replay", help="run the whole unit over a recorded video, offline; JSON lines out"
    )
    replay.add_argument("video", type=Path)
    replay.add_argument("--config", type=Path, default=None, help="camera JSON")
    replay.set_defaults(handler=_replay)

    evaluate = sub.add_parser("evaluate", help="score the unit on a synthetic set")
    evaluate.add_argument("--set", type=Path, required=True, dest="folder")
    evaluate.add_argument("--dwell", type=float, default=15.0)
    evaluate.set_defaults(handler=_evaluate)


def _key(_: argparse.Namespace) -> int:
    from contracts import public_key_bytes
    from edge.keys import KeyUnlockError, load_or_create_key
    from edge.settings import get_edge_settings

    settings = get_edge_settings()
    try:
        key = load_or_create_key(settings.data_dir / "device.key", settings.device_key_secret())
    except KeyUnlockError as exc:
        print(f"edge key: {exc}", file=sys.stderr)
        return 1
    print(base64.b64encode(public_key_bytes(key)).decode())
    return 0


def _make(args: argparse.Namespace) -> int:
    from edge.synthetic import make_specs, write_set

    specs = make_specs(args.count, seed=args.seed, duration_s=args.duration)
    write_set(args.out, specs)
    drops = sum(len(s.truth) for s in specs)
    print(f"wrote {len(specs)} videos ({drops} dumpings) and truth.json to {args.out}")
    return 0


def _evaluate(args: argparse.Namespace) -> int:
    from edge.evaluate import default_config, evaluate_set, one_core

    one_core()
    config = default_config(args.dwell)
    report = evaluate_set(args.folder, config)
    for line in report.lines(config.dwell_s):
        print(line)
    return 0


def _replay(args: argparse.Namespace) -> int:
    from edge.replay import ReplayError, replay

    try:
        result = replay(args.video, config_path=args.config)
    except ReplayError as exc:
        print(f"nettestad edge replay: {exc}", file=sys.stderr)
        return 2
    for line in result.lines():
        print(line)
    return 0


def _run(args: argparse.Namespace) -> int:
    from edge.keys import KeyUnlockError
    from edge.runner import run_unit
    from edge.settings import get_edge_settings

    settings = get_edge_settings()
    stop = threading.Event()

    def on_signal(_signo: int, _frame: FrameType | None) -> None:
        stop.set()

    signal.signal(signal.SIGINT, on_signal)
    signal.signal(signal.SIGTERM, on_signal)
    try:
        run_unit(settings, config_path=args.config or settings.camera_config, stop=stop)
    except KeyUnlockError as exc:
        print(f"edge run: {exc}", file=sys.stderr)
        return 1
    return 0
