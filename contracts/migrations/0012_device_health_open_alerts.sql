-- The reading-driven alert kinds open for a device (fire, tilt, battery_low, ...), so ingest
-- opens and closes alerts on transitions only instead of touching the alerts table every batch.
ALTER TABLE device_health ADD COLUMN IF NOT EXISTS open_alerts text[] NOT NULL DEFAULT '{}';
