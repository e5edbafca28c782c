-- Stops that are not bins can be closed too: an unload stop ("gelost") and a cleared dump carry
-- no fill seen; a cleared dump may carry the crew's estimate of its volume. A bin still needs
-- the fill the crew saw. stop_actions is a plain table on both paths (no hypertable).
ALTER TABLE stop_actions DROP CONSTRAINT IF EXISTS stop_actions_check;
ALTER TABLE stop_actions ADD COLUMN volume_l integer CHECK (volume_l BETWEEN 0 AND 100000);
ALTER TABLE stop_actions ADD CONSTRAINT stop_actions_action_shape CHECK (
    (action = 'done' AND skip_reason IS NULL AND (fill_seen IS NOT NULL OR bin_id IS NULL))
    OR (action = 'skipped' AND skip_reason IS NOT NULL AND fill_seen IS NULL));
