"""Entry point on the board: one wake-up, then deep sleep (which ends in a reset)."""

from binsensor.board import Board
from binsensor.config import load_device_config
from binsensor.node import Node, log


def main() -> None:
    """Measure, maybe report, and sleep whatever happened, so a fault never keeps the radio on."""
    config = load_device_config()
    node = Node(config, Board(config))
    try:
        node.wake()
    except Exception as exc:
        log("wake-up failed:", repr(exc))
    node.sleep()


main()
