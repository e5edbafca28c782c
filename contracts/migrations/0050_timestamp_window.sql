-- Readings stored before the contract's time window was enforced at decode (docs/mqtt.md: not
-- before 2020, not ahead of the server clock). Some of them (year 0 or 10000 in UTC) cannot even
-- be read back by the services, which made every read of their device or of the city map fail.
-- They move to the dead letters, with the row as JSON, and everything derived from them is reset.
INSERT INTO dead_letters (topic, payload, code, reason, device_id)
SELECT '(stored before migration 0050)',
       convert_to(row_to_json(r)::text, 'UTF8'),
       'timestamp_out_of_window',
       'moved out of fill_readings by migration 0050: timestamp outside 2020 .. now + 1 day',
       r.device_id
FROM fill_readings r
WHERE r.ts < TIMESTAMPTZ '2020-01-01 00:00+00' OR r.ts > now() + INTERVAL '1 day';

DELETE FROM fill_readings
WHERE ts < TIMESTAMPTZ '2020-01-01 00:00+00' OR ts > now() + INTERVAL '1 day';

-- What ingest derived from them: the last judged reading, an open overflow, last-seen, events.
UPDATE device_health h
SET last_reading_ts = (SELECT max(r.ts) FROM fill_readings r WHERE r.device_id = h.device_id),
    overflow_since = NULL
WHERE h.last_reading_ts < TIMESTAMPTZ '2020-01-01 00:00+00'
   OR h.last_reading_ts > now() + INTERVAL '1 day'
   OR h.overflow_since < TIMESTAMPTZ '2020-01-01 00:00+00'
   OR h.overflow_since > now() + INTERVAL '1 day';

UPDATE devices d
SET last_seen_at = (SELECT max(r.ts) FROM fill_readings r WHERE r.device_id = d.id)
WHERE d.last_seen_at < TIMESTAMPTZ '2020-01-01 00:00+00'
   OR d.last_seen_at > now() + INTERVAL '1 day';

UPDATE alerts SET observed_at = raised_at
WHERE observed_at < TIMESTAMPTZ '2020-01-01 00:00+00' OR observed_at > now() + INTERVAL '1 day';

DELETE FROM bin_events
WHERE started_at < TIMESTAMPTZ '2020-01-01 00:00+00' OR started_at > now() + INTERVAL '1 day'
   OR ended_at < TIMESTAMPTZ '2020-01-01 00:00+00' OR ended_at > now() + INTERVAL '1 day';
