-- A dump confirmed by enforcement goes on today's sheets at once (extra_stops) and into the
-- planner's fixed visits, so a re-plan routes it; the link keeps the sheet from showing it twice.
ALTER TABLE extra_stops ADD COLUMN fixed_visit_id bigint REFERENCES fixed_visits (id);
