"""Every kind of bad input in tests/fixtures/mqtt_bad_inputs.json is dead-lettered with its own
code, alone, while the healthy messages of the same batch are stored."""

from __future__ import annotations

import json
import math
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

import psycopg
import pytest

from contracts.topics import UpKind, up_topic
from harness.bad_inputs import CASES, DEVICES, ROOT, inbound, register_bad_devices
from ingest.classify import Inbound, plan_batch
from ingest.health import HealthRules
from ingest.writer import BatchWriter
from tests.ingest.conftest import count, register


def test_the_fixture_holds_every_kind_named_in_the_issue() -> None:
    """At least 61 kinds, each with a distinct name."""
    names = [c["name"] for c in CASES]
    assert len(names) >= 61
    assert len(set(names)) == len(names)


@pytest.mark.parametrize("case", CASES, ids=[c["name"] for c in CASES])
def test_each_bad_input_gets_its_own_code(case: dict[str, Any]) -> None:
    """The message becomes exactly one dead letter with the expected code, and nothing stored."""
    now = datetime.now(UTC).replace(microsecond=0)
    plan = plan_batch([inbound(case, now)], DEVICES, root=ROOT, now=now)
    assert [d.code for d in plan.dead_letters] == [case["expect"]], [
        d.reason for d in plan.dead_letters
    ]
    assert (plan.readings, plan.statuses, plan.events) == ([], [], [])


def _healthy(devices: list[str], now: datetime) -> list[Inbound]:
    messages = []
    for i, device in enumerate(devices):
        for m in range(4):
            readings = [
                {"seq": m * 5 + k, "ts": (now - timedelta(hours=30 - m * 5 - k)).isoformat(),
                 "filling_level": 0.1 + 0.01 * k}
                for k in range(5)
            ]  # fmt: skip
            body = json.dumps({"device_id": device, "readings": readings}).encode()
            messages.append(Inbound(up_topic(device, UpKind.READING, root=ROOT), body, now, i, 1))
    return messages


def test_a_batch_mixing_every_bad_input_with_healthy_ones(
    db: psycopg.Connection[Any], database_url: str
) -> None:
    """One batch of every bad input among healthy messages: the healthy readings are all stored
    in a single transaction, each bad one is one dead letter with its code, the two
    impersonations are security events."""
    register_bad_devices(db)
    healthy_devices = register(db, 10)
    db.commit()
    now = datetime.now(UTC).replace(microsecond=0)
    healthy = _healthy(healthy_devices, now)
    bad = [inbound(c, now) for c in CASES]
    batch = [m for pair in zip(healthy, bad, strict=False) for m in pair]
    batch += healthy[len(bad) :] + bad[len(healthy) :]
    writer = BatchWriter(database_url=database_url, root=ROOT, stop=lambda: False)
    assert writer.write(batch)
    writer.close()
    assert writer.stats.batches == 1
    assert writer.stats.isolations == 0
    assert count(db, "SELECT count(*) FROM fill_readings") == len(healthy) * 5
    codes = Counter(
        dict(db.execute("SELECT code, count(*) FROM dead_letters GROUP BY code").fetchall())
    )
    assert codes == Counter(c["expect"] for c in CASES)
    assert count(db, "SELECT count(*) FROM security_events") == 2
    assert (
        count(db, "SELECT count(*) FROM security_events WHERE claimed_device_id LIKE '%\\x00'") == 1
    )


def test_a_message_the_database_refuses_is_isolated_in_few_transactions(
    db: psycopg.Connection[Any], database_url: str
) -> None:
    """A device whose stored state cannot be read back fails its messages alone: they become
    database_refused dead letters in a handful of transactions, and everyone else is stored."""
    devices = register(db, 10)
    poisoned = devices[0]
    db.execute(
        """INSERT INTO device_health (device_id, bin_id, last_reading_ts)
           SELECT id, bin_id, '9999-12-31T23:00:00-14:00' FROM devices WHERE id = %s""",
        (poisoned,),
    )
    db.commit()
    now = datetime.now(UTC).replace(microsecond=0)
    batch = _healthy(devices, now)
    writer = BatchWriter(database_url=database_url, root=ROOT, stop=lambda: False)
    assert writer.write(batch)
    writer.close()
    refused = count(db, "SELECT count(*) FROM dead_letters WHERE code = 'database_refused'")
    assert refused == 4  # the poisoned device's four messages
    assert count(db, "SELECT count(*) FROM fill_readings") == (len(batch) - 4) * 5
    # halving: about 2 log2(n) splits per bad message, never one transaction per message
    assert writer.stats.isolations <= 4 * 2 * math.ceil(math.log2(len(batch)))
    assert writer.stats.batches < len(batch) // 2


def test_a_suspect_device_is_written_apart_without_halving_again(
    db: psycopg.Connection[Any], database_url: str
) -> None:
    """Once a device's message could not be stored, its next messages go in transactions of
    their own: the next batch needs no halving, only one try per suspect message."""
    devices = register(db, 10)
    db.execute(
        """INSERT INTO device_health (device_id, bin_id, last_reading_ts)
           SELECT id, bin_id, '9999-12-31T23:00:00-14:00' FROM devices WHERE id = %s""",
        (devices[3],),
    )
    now = datetime.now(UTC).replace(microsecond=0)
    writer = BatchWriter(database_url=database_url, root=ROOT, stop=lambda: False)
    messages = _healthy(devices, now)  # four per device, device after device
    assert writer.write(messages[::4])  # every device's first message
    before = writer.stats.isolations
    assert writer.write([m for i, m in enumerate(messages) if i % 4])  # the other three each
    writer.close()
    assert writer.stats.isolations - before == 3  # one failed try each, no halving
    assert count(db, "SELECT count(*) FROM dead_letters WHERE code = 'database_refused'") == 4
    assert count(db, "SELECT count(*) FROM fill_readings") == 36 * 5


def test_a_computation_that_raises_is_dead_lettered_and_the_rest_stored(
    db: psycopg.Connection[Any], database_url: str
) -> None:
    """When judging a message raises (here a night-time rule that cannot be evaluated, reached only
    by a sudden fill jump), that message becomes a processing_failed dead letter, acknowledged,
    and every other message of the batch is stored."""
    devices = register(db, 4)
    now = datetime.now(UTC).replace(microsecond=0)
    batch = _healthy(devices[1:], now)
    jump = [
        {"seq": 1, "ts": (now - timedelta(hours=2)).isoformat(), "filling_level": 0.05},
        {"seq": 2, "ts": (now - timedelta(hours=1)).isoformat(), "filling_level": 0.95},
    ]
    body = json.dumps({"device_id": devices[0], "readings": jump}).encode()
    batch.insert(5, Inbound(up_topic(devices[0], UpKind.READING, root=ROOT), body, now, 0, 1))
    broken = HealthRules(night_hours=(None, None))  # type: ignore[arg-type]  # deliberately unusable
    writer = BatchWriter(database_url=database_url, root=ROOT, stop=lambda: False, rules=broken)
    assert writer.write(batch)
    writer.close()
    letters = db.execute("SELECT code, device_id, reason FROM dead_letters").fetchall()
    assert [(code, device) for code, device, _ in letters] == [("processing_failed", devices[0])]
    assert "TypeError" in letters[0][2]
    assert count(db, "SELECT count(*) FROM fill_readings") == (len(batch) - 1) * 5
