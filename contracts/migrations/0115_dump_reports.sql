-- Same-day dump clearing (owner: api, routing.dumps): every dump the city learns of - a camera
-- event enforcement confirmed, a crew's or a citizen's report - with the time it must be cleared
-- by and where it went: into a running route (a re-plan), or into the next plan as a must-visit.
-- Whether it is cleared is read from the crews' stop actions on its fixed visit, never stored
-- twice. A plain table on both paths (no hypertable).
CREATE TABLE dump_reports (
    id              bigserial PRIMARY KEY,
    client_key      uuid UNIQUE,                  -- a phone's retried upload is stored once
    source          text NOT NULL CHECK (source IN ('camera', 'crew', 'citizen')),
    event_id        text UNIQUE REFERENCES dumping_events (event_id),
    label           text NOT NULL CHECK (length(trim(label)) > 0),
    note            text NOT NULL DEFAULT '',
    lat             double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon             double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    volume_l        integer NOT NULL DEFAULT 400 CHECK (volume_l BETWEEN 0 AND 100000),
    photo           bytea,
    photo_type      text,
    photo_sha256    text,
    reported_at     timestamptz NOT NULL,
    due_at          timestamptz NOT NULL CHECK (due_at > reported_at),
    created_by      text NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    fixed_visit_id  bigint REFERENCES fixed_visits (id),
    -- waiting: not yet given to a plan; in_route: a re-plan put it on a running route;
    -- next_plan: booked as a must-visit of the next day's plan (no route ran, or none could take it)
    dispatch        text NOT NULL DEFAULT 'waiting'
        CHECK (dispatch IN ('waiting', 'in_route', 'next_plan')),
    plan_id         bigint REFERENCES plans (id),
    vehicle_id      text,
    eta             timestamptz,
    dispatch_note   text NOT NULL DEFAULT '',
    cancelled_at    timestamptz,
    CHECK ((photo IS NULL) = (photo_type IS NULL))
);
CREATE INDEX dump_reports_open ON dump_reports (due_at) WHERE cancelled_at IS NULL;
CREATE INDEX dump_reports_visit ON dump_reports (fixed_visit_id);
