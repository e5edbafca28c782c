"""At-least-once delivery into exactly-once storage: duplicates, and workers sharing the load."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable
from typing import Any

import psycopg

from contracts.payloads import FillReading, ReadingBatch
from db.devices import HealthState
from ingest.health import HealthRules, assess
from tests.helpers import poll
from tests.ingest.conftest import (
    Stream,
    assert_stored_exactly_once,
    count,
    ingest_settings,
    ingest_worker,
    publish_in_background,
)


def _expected_events(stream: Stream, root: str) -> dict[str, int]:
    """The derived events the stream holds, judged in one pass per device."""
    readings: dict[str, list[FillReading]] = defaultdict(list)
    for _, payload in stream.payloads(root):
        batch = ReadingBatch.model_validate_json(payload)
        readings[batch.device_id] += batch.readings
    kinds: dict[str, int] = defaultdict(int)
    for device, rows in readings.items():
        for event in assess(HealthState(device, "b"), rows, HealthRules()).events:
            kinds[event.kind] += 1
    return dict(kinds)


def test_every_message_delivered_twice_is_stored_once(
    *,
    db: psycopg.Connection[Any],
    database_url: str,
    topic_root: str,
    mqtt_address: tuple[str, int],
    stream_for: Callable[[psycopg.Connection[Any], int, int], Stream],
) -> None:
    """Each message published twice: readings, summaries and derived events are stored once."""
    stream = stream_for(db, 10, 10)
    settings = ingest_settings(
        database_url=database_url,
        root=topic_root,
        port=mqtt_address[1],
        client_id=f"ingest-{topic_root}",
    )
    with ingest_worker(settings) as service:
        publisher, errors = publish_in_background(
            mqtt_address[1], stream, topic_root, per_second=2000, times=2
        )
        publisher.join(60)
        assert not errors, errors
        messages = len(stream.devices) * stream.messages
        poll(lambda: service.stats().received >= 2 * messages, what="both copies processed")
        assert service.stats().duplicates == stream.readings
        assert service.stats().stored_readings == stream.readings
    assert_stored_exactly_once(db, stream)
    stored_events = dict(
        db.execute("SELECT kind, count(*) FROM bin_events GROUP BY kind").fetchall()
    )
    expected = _expected_events(stream, topic_root)
    assert expected.get("collection", 0) > 0, "the stream is built to hold collections"
    assert stored_events == expected


def test_two_workers_on_a_shared_subscription_split_the_stream(
    *,
    db: psycopg.Connection[Any],
    database_url: str,
    topic_root: str,
    mqtt_address: tuple[str, int],
    stream_for: Callable[[psycopg.Connection[Any], int, int], Stream],
) -> None:
    """Two workers in one MQTT v5 share group each take part, and together store it all once."""
    stream = stream_for(db, 20, 10)
    first, second = (
        ingest_settings(
            database_url=database_url,
            root=topic_root,
            port=mqtt_address[1],
            client_id=f"ingest-{name}-{topic_root}",
            share_group=f"g{topic_root}",
            batch_size=20,
        )
        for name in "ab"
    )
    with ingest_worker(first) as a, ingest_worker(second) as b:
        publisher, errors = publish_in_background(
            mqtt_address[1], stream, topic_root, per_second=1000
        )
        publisher.join(60)
        assert not errors, errors
        poll(
            lambda: count(db, "SELECT count(*) FROM fill_readings") >= stream.readings,
            what="the whole stream stored",
        )
        messages = len(stream.devices) * stream.messages
        poll(
            lambda: a.stats().received + b.stats().received >= messages,
            what="both workers' counters",
        )
        shares = (a.stats().received, b.stats().received)
    assert min(shares) > 0, f"both workers took part: {shares}"
    assert_stored_exactly_once(db, stream)
