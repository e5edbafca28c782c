-- Dumping events a camera had to discard (store full) as its events report them; kept apart from
-- the fill sensors' dropped_readings because a lost event is lost evidence, not a lost measurement.
ALTER TABLE devices ADD COLUMN IF NOT EXISTS dropped_events bigint NOT NULL DEFAULT 0;
