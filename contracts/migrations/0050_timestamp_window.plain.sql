-- The plain summaries of those readings (TimescaleDB's continuous aggregates follow the raw
-- table), and a guard so a value no service can read back is never stored again.
DELETE FROM fill_hourly
WHERE bucket < TIMESTAMPTZ '2020-01-01 00:00+00' OR bucket > now() + INTERVAL '1 day';
DELETE FROM fill_daily
WHERE bucket < TIMESTAMPTZ '2019-12-31 00:00+00' OR bucket > now() + INTERVAL '1 day';

ALTER TABLE fill_readings ADD CONSTRAINT fill_readings_ts_readable
    CHECK (ts >= TIMESTAMPTZ '2000-01-01 00:00+00' AND ts < TIMESTAMPTZ '9000-01-01 00:00+00');
