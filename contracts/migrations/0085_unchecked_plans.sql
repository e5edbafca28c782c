-- routing: plans stored before every plan was checked (routing/check.py, see docs/routing.md)
-- carry no "checked" flag. They are marked unchecked and leave the active state, so neither the
-- API nor the crew sheet shows them; the coordinator plans such a day again (a checked plan).
-- Plain table on both paths (no hypertable): one file serves PostgreSQL and TimescaleDB.
ALTER TABLE plans DROP CONSTRAINT IF EXISTS plans_state_check;
ALTER TABLE plans ADD CONSTRAINT plans_state_check
    CHECK (state IN ('active', 'superseded', 'unchecked'));
UPDATE plans SET summary = summary || '{"checked": false}'::jsonb WHERE NOT summary ? 'checked';
UPDATE plans SET state = 'unchecked' WHERE state = 'active' AND summary ->> 'checked' = 'false';
