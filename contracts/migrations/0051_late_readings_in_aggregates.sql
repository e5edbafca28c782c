-- TimescaleDB only (see the .timescale.sql part): on plain tables ingest updates the summaries
-- in the readings' own transaction, so a late reading is always counted.
SELECT 1;
