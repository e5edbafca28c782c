"""Random topics and payloads thrown at the parser: it sorts every message and never raises.

Payloads are drawn around the recorded fixtures (spliced bytes, fields set to hostile values)
as well as from raw bytes, so most examples get deep into validation instead of failing at the
first byte; cheap draws keep thousands of examples within seconds.
"""

from __future__ import annotations

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from db.devices import RegisteredDevice
from ingest.classify import Inbound, plan_batch

ROOT = "prop"
FIXTURES = Path(__file__).resolve().parents[1] / "fixtures" / "mqtt"
DEVICES = {
    "fill-0001": RegisteredDevice("fill-0001", "fill_sensor", "bin-0001", None),
    "cam-0001": RegisteredDevice("cam-0001", "camera", None, "hs-01"),
}
NOW = datetime(2026, 11, 28, 12, tzinfo=UTC)
QUICK: dict[str, Any] = {
    "deadline": None,
    "suppress_health_check": [HealthCheck.too_slow],
    "database": None,
}

RAW = [p.read_bytes() for p in sorted(FIXTURES.iterdir())]
VALID = [json.loads(b) for b in RAW if b.startswith(b"{") and b.rstrip().endswith(b"}")]
PATHS = [
    ("device_id",),
    ("readings",),
    ("readings", 0),
    ("readings", 0, "seq"),
    ("readings", 0, "ts"),
    ("readings", 0, "filling_level"),
    ("readings", 0, "distance_mm"),
    ("readings", 0, "temperature_c"),
    ("readings", 0, "quality"),
    ("readings", 0, "status"),
    ("dropped_readings",),
    ("state",),
    ("event_id",),
    ("bbox",),
    ("files",),
    ("score",),
    ("unexpected",),
]
HOSTILE: list[Any] = [
    None, True, -1, 0, 2**63, -(2**70), 1e308, float("nan"), float("inf"), "", "fill-0002",
    "cam-0001", "x" * 300, "2026-11-28T06:15:00", "2026-13-45T99:99:99Z", "burning", "dropped",
    "no_echo", [], [None], {}, {"seq": 1}, [1, 2, 3, 4, 5], "\u0000", "é", 0.5, 1.5, -0.1,
]  # fmt: skip
DEVICE_IDS = ["fill-0001", "cam-0001", "fill-9999", "X", "a+b", "", "fill-0002"]
KINDS = ["reading", "status", "event", "cmd", "", "reading/x"]

topics = st.one_of(
    st.builds(
        lambda r, d, k: f"{r}/v1/dev/{d}/up/{k}",
        st.sampled_from([ROOT, ROOT, "other", ""]),
        st.sampled_from(DEVICE_IDS),
        st.sampled_from(KINDS),
    ),
    st.text(max_size=40),
)


def _set(document: Any, path: tuple[Any, ...], value: Any) -> Any:
    """Put ``value`` at ``path`` where the path exists in the document (or at its top)."""
    target = document
    for step in path[:-1]:
        try:
            target = target[step]
        except (KeyError, IndexError, TypeError):
            return document
    in_list = isinstance(target, list) and isinstance(path[-1], int) and path[-1] < len(target)
    if isinstance(target, dict) or in_list:
        target[path[-1]] = value
    return document


def _mutate(base: int, changes: list[tuple[int, int]]) -> bytes:
    document = copy.deepcopy(VALID[base % len(VALID)])
    for path, value in changes:
        document = _set(document, PATHS[path], copy.deepcopy(HOSTILE[value]))
    return json.dumps(document).encode()


def _splice(base: int, at: int, cut: int, insert: bytes) -> bytes:
    raw = RAW[base % len(RAW)]
    at %= len(raw) + 1
    return raw[:at] + insert + raw[at + cut :]


payloads = st.one_of(
    st.builds(
        _mutate,
        st.integers(0, 100),
        st.lists(
            st.tuples(st.integers(0, len(PATHS) - 1), st.integers(0, len(HOSTILE) - 1)),
            max_size=3,
        ),
    ),
    st.builds(
        _splice,
        st.integers(0, 100),
        st.integers(0, 2000),
        st.integers(0, 20),
        st.binary(max_size=8),
    ),
    st.binary(max_size=64),
    st.sampled_from([b"{" * 100_000, b"[" * 5000 + b"]" * 5000, b" " * (64 * 1024 + 1)]),
)


def _outcomes(messages: list[tuple[str, bytes]]) -> tuple[int, int]:
    """(dead letters, accepted) for a batch; asserts what every plan must satisfy."""
    plan = plan_batch([Inbound(t, p, NOW) for t, p in messages], DEVICES, root=ROOT)
    assert all(d.reason and d.code for d in plan.dead_letters), "every dead letter has a reason"
    assert {d.payload for d in plan.dead_letters} <= {p for _, p in messages}, "raw bytes kept"
    assert all(r.device_id == "fill-0001" and r.bin_id == "bin-0001" for r in plan.readings)
    assert all(e.kind == "device_impersonation" for e in plan.security)
    assert len(plan.security) <= len(plan.dead_letters)
    readings = 1 if plan.readings else 0
    return len(plan.dead_letters), len(plan.statuses) + len(plan.events) + readings


def _check(messages: list[tuple[str, bytes]]) -> None:
    singles = [_outcomes([m]) for m in messages]
    # nothing vanishes: each message alone is either stored as something or a dead letter
    assert all(dead + accepted == 1 for dead, accepted in singles)
    dead, _ = _outcomes(messages)
    assert dead == sum(d for d, _ in singles), "batching does not change the verdicts"


@settings(max_examples=1000, **QUICK)
@given(st.lists(st.tuples(topics, payloads), min_size=1, max_size=2))
def test_random_messages_never_raise_and_none_is_lost(messages: list[tuple[str, bytes]]) -> None:
    """Random topics with mutated, spliced or random payloads: all sorted, nothing raised."""
    _check(messages)


@settings(max_examples=2000, **QUICK)
@given(st.sampled_from(DEVICE_IDS), st.sampled_from(KINDS), payloads)
def test_mutated_payloads_on_device_topics_never_raise(device: str, kind: str, body: bytes) -> None:
    """Contract-shaped payloads with hostile field values on device topics: sorted, never raised."""
    _check([(f"{ROOT}/v1/dev/{device}/up/{kind}", body)])
