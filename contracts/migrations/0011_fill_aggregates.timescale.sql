-- Continuous aggregates with real-time aggregation, so the newest hour is never missing.
CREATE MATERIALIZED VIEW fill_hourly
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT bin_id,
       time_bucket(INTERVAL '1 hour', ts) AS bucket,
       count(*) AS readings,
       count(filling_level) AS fill_n,
       sum(filling_level)::double precision AS fill_sum,
       min(filling_level) AS fill_min,
       max(filling_level) AS fill_max,
       max(temperature_c) AS temperature_max,
       min(battery_v) AS battery_min
FROM fill_readings
GROUP BY bin_id, time_bucket(INTERVAL '1 hour', ts)
WITH NO DATA;

CREATE MATERIALIZED VIEW fill_daily
WITH (timescaledb.continuous, timescaledb.materialized_only = false) AS
SELECT bin_id,
       time_bucket(INTERVAL '1 day', ts, 'Europe/Brussels') AS bucket,
       count(*) AS readings,
       count(filling_level) AS fill_n,
       sum(filling_level)::double precision AS fill_sum,
       min(filling_level) AS fill_min,
       max(filling_level) AS fill_max,
       max(temperature_c) AS temperature_max,
       min(battery_v) AS battery_min
FROM fill_readings
GROUP BY bin_id, time_bucket(INTERVAL '1 day', ts, 'Europe/Brussels')
WITH NO DATA;

-- Refresh windows reach back over the late-arrival window: a sensor may upload three days of
-- buffered readings at once, and those must land in the aggregates too.
SELECT add_continuous_aggregate_policy('fill_hourly',
    start_offset => INTERVAL '7 days', end_offset => INTERVAL '1 hour',
    schedule_interval => INTERVAL '15 minutes');
SELECT add_continuous_aggregate_policy('fill_daily',
    start_offset => INTERVAL '10 days', end_offset => INTERVAL '1 day',
    schedule_interval => INTERVAL '1 hour');

-- Raw readings compress once they are past the late-arrival window (7 days > 3 days buffered)...
ALTER TABLE fill_readings SET (
    timescaledb.compress,
    timescaledb.compress_segmentby = 'device_id',
    timescaledb.compress_orderby = 'ts DESC, seq DESC'
);
SELECT add_compression_policy('fill_readings', INTERVAL '7 days');

-- ...and are dropped after 400 days; the aggregates keep the history (hourly 3 years, daily for good).
SELECT add_retention_policy('fill_readings', INTERVAL '400 days');
SELECT add_retention_policy('fill_hourly', INTERVAL '3 years');
