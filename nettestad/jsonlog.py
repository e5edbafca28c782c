"""Logging for every ``nettestad`` command: readable lines, or one JSON object per line.

``NETTESTAD_LOG_FORMAT=json`` is meant for production, where a log collector (Loki, Elastic,
journald) indexes fields instead of parsing text.
"""

from __future__ import annotations

import json
import logging
import os
from datetime import UTC, datetime

_STANDARD = frozenset(logging.makeLogRecord({}).__dict__) | {"message", "asctime"}


class JsonFormatter(logging.Formatter):
    """One JSON object per record: time (UTC), level, logger, message, and any ``extra`` fields."""

    def format(self, record: logging.LogRecord) -> str:
        """Render a record as a single JSON line."""
        entry: dict[str, object] = {
            "ts": datetime.fromtimestamp(record.created, UTC).isoformat(timespec="milliseconds"),
            "level": record.levelname.lower(),
            "logger": record.name,
            "message": record.getMessage(),
        }
        if record.exc_info:
            entry["exception"] = self.formatException(record.exc_info)
        for key, value in record.__dict__.items():
            if key not in _STANDARD and not key.startswith("_"):
                entry[key] = value if isinstance(value, str | int | float | bool) else repr(value)
        return json.dumps(entry, ensure_ascii=False)


def configure_logging(*, verbose: bool) -> None:
    """Set up the root logger from ``NETTESTAD_LOG_FORMAT`` (``text``, the default, or ``json``)."""
    level = logging.DEBUG if verbose else logging.INFO
    if os.environ.get("NETTESTAD_LOG_FORMAT", "text").strip().lower() == "json":
        handler = logging.StreamHandler()
        handler.setFormatter(JsonFormatter())
        logging.basicConfig(level=level, handlers=[handler], force=True)
        return
    logging.basicConfig(level=level, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
