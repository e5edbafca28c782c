#!/usr/bin/env python3
"""Container health check: exit 0 when the URL answers 200 within 4 s, else 1 (stdlib only)."""

import sys
import urllib.request

try:
    # S310: the URL is a fixed http://127.0.0.1 address from compose.yaml
    with urllib.request.urlopen(sys.argv[1], timeout=4) as answer:  # noqa: S310
        sys.exit(0 if answer.status == 200 else 1)
except OSError as exc:
    print(f"unhealthy: {exc}", file=sys.stderr)
    sys.exit(1)
