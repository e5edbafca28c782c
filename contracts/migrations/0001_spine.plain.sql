-- Without TimescaleDB, a BRIN index keeps time-range scans over the whole table cheap
-- (rows arrive roughly in time order).
CREATE INDEX fill_readings_ts_brin ON fill_readings USING brin (ts);
