-- A fill sensor buffers up to 112 readings (firmware/binsensor/rtcbuf.py CAPACITY) and measures at
-- most once a day (measure_interval_s up to 86400 s), so a reading may arrive up to 112 days after
-- it was taken. The refresh windows reach back 120 days, so such readings land in the aggregates
-- as they do on plain tables. A refresh only recomputes buckets that changed (the invalidation
-- log), so the wider window costs nothing while no late readings arrive.
SELECT remove_continuous_aggregate_policy('fill_hourly', if_exists => true);
SELECT add_continuous_aggregate_policy('fill_hourly',
    start_offset => INTERVAL '120 days', end_offset => INTERVAL '1 hour',
    schedule_interval => INTERVAL '15 minutes');
SELECT remove_continuous_aggregate_policy('fill_daily', if_exists => true);
SELECT add_continuous_aggregate_policy('fill_daily',
    start_offset => INTERVAL '122 days', end_offset => INTERVAL '1 day',
    schedule_interval => INTERVAL '1 hour');

-- fill_hourly is as large as the raw data with hourly sensors (docs/operations.md, Sizing):
-- compressed once it is past the refresh window (a compressed bucket must not need refreshing).
ALTER MATERIALIZED VIEW fill_hourly SET (timescaledb.compress = true);
SELECT add_compression_policy('fill_hourly', compress_after => INTERVAL '150 days',
    if_not_exists => true);
