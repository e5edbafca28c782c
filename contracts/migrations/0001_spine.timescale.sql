-- With TimescaleDB the readings become a hypertable in weekly chunks.
SELECT create_hypertable('fill_readings', 'ts', chunk_time_interval => INTERVAL '7 days');
