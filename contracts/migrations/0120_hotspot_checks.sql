-- Hotspot checks (owner: routing.service, db/hotspot_checks.py): the morning plan may send a
-- crew past a registered dumping hotspot that no crew has passed for a while, because a camera
-- misses some dumps and a citizen may report one only a day later. A check is a fixed visit of
-- kind 'check' with the prize the planner weighs against its detour (prize_eur; NULL, as for
-- every other fixed visit, means it must be served). A plain table on both paths.
ALTER TABLE fixed_visits DROP CONSTRAINT fixed_visits_kind_check;
ALTER TABLE fixed_visits ADD CONSTRAINT fixed_visits_kind_check
    CHECK (kind IN ('dump', 'report', 'event', 'bin', 'check'));
ALTER TABLE fixed_visits ADD COLUMN prize_eur double precision
    CHECK (prize_eur IS NULL OR prize_eur >= 0);
