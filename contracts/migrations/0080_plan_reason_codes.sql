-- routing: a reason code per stop left out of a plan (routing/explain.py), so the coordinator's
-- page shows Dutch words for it; plans stored before this have the empty code.
ALTER TABLE plan_unplanned ADD COLUMN reason_code text NOT NULL DEFAULT '';
