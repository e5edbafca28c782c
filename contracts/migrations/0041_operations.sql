-- What people do with nettestad (owner: api): crews' stop actions and problem reports, stops added
-- to a day's sheet outside the planner, thresholds per container type, enforcement reviews,
-- cases, unblur requests and evidence retention.

-- Stops put on a day's sheet besides the planned ones: a confirmed dump to clear the same day, a
-- coordinator's extra visit. The planner reads these as fixed visits when it re-plans.
CREATE TABLE extra_stops (
    id            bigserial PRIMARY KEY,
    service_date  date NOT NULL,                 -- Europe/Brussels day
    vehicle_id    text,                          -- NULL: shown to every crew of the day
    kind          text NOT NULL CHECK (kind IN ('dump', 'bin', 'visit')),
    bin_id        text REFERENCES bins (id),
    hotspot_id    text REFERENCES hotspots (id),
    event_id      text REFERENCES dumping_events (event_id),
    label         text NOT NULL,
    lat           double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon           double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    created_at    timestamptz NOT NULL DEFAULT now(),
    created_by    text NOT NULL,
    cancelled_at  timestamptz
);
CREATE INDEX extra_stops_day ON extra_stops (service_date, vehicle_id);
CREATE UNIQUE INDEX extra_stops_one_per_event ON extra_stops (event_id) WHERE cancelled_at IS NULL;

-- One row per action a crew took; the phone generates the key, so an action sent twice (a sync
-- retried after a lost answer) is stored once.
CREATE TABLE stop_actions (
    client_key    uuid PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id),
    vehicle_id    text,
    service_date  date NOT NULL,
    stop_ref      text NOT NULL,                 -- 'bin:<id>' or 'extra:<id>'
    bin_id        text,
    action        text NOT NULL CHECK (action IN ('done', 'skipped')),
    fill_seen     text CHECK (fill_seen IN ('empty', 'half', 'full', 'overflowing')),
    skip_reason   text CHECK (skip_reason IN ('blocked', 'not_reachable', 'not_needed')),
    note          text NOT NULL DEFAULT '',
    acted_at      timestamptz NOT NULL,          -- the phone's clock, when the crew tapped
    received_at   timestamptz NOT NULL DEFAULT now(),
    lat           double precision,
    lon           double precision,
    CHECK ((action = 'done' AND fill_seen IS NOT NULL AND skip_reason IS NULL)
        OR (action = 'skipped' AND skip_reason IS NOT NULL AND fill_seen IS NULL))
);
CREATE INDEX stop_actions_day ON stop_actions (service_date, vehicle_id);
CREATE INDEX stop_actions_bin ON stop_actions (bin_id, acted_at DESC);

CREATE TABLE problem_reports (
    client_key    uuid PRIMARY KEY,
    user_id       bigint NOT NULL REFERENCES users (id),
    vehicle_id    text,
    stop_ref      text,
    bin_id        text,
    kind          text NOT NULL CHECK (kind IN ('overflow', 'damage', 'dumping')),
    note          text NOT NULL DEFAULT '',
    lat           double precision CHECK (lat BETWEEN -90 AND 90),
    lon           double precision CHECK (lon BETWEEN -180 AND 180),
    accuracy_m    real,
    photo         bytea,
    photo_type    text,
    photo_sha256  text,
    reported_at   timestamptz NOT NULL,
    received_at   timestamptz NOT NULL DEFAULT now(),
    resolved_at   timestamptz
);
CREATE INDEX problem_reports_received ON problem_reports (received_at DESC);

-- A threshold per container type; a bin's own threshold (bins.threshold) is the default.
CREATE TABLE container_thresholds (
    container_type  text PRIMARY KEY
        CHECK (container_type IN ('street_bin', 'underground', 'glass', 'dog_waste', 'cigarette')),
    threshold       real NOT NULL CHECK (threshold > 0 AND threshold <= 1),
    updated_at      timestamptz NOT NULL DEFAULT now(),
    updated_by      text NOT NULL
);

-- Every review decision on a detection, with its reason; dumping_events.review_state holds the
-- current one.
CREATE TABLE event_reviews (
    id          bigserial PRIMARY KEY,
    event_id    text NOT NULL REFERENCES dumping_events (event_id),
    state       text NOT NULL CHECK (state IN ('in_review', 'confirmed', 'dismissed')),
    reason      text NOT NULL DEFAULT '',
    user_id     bigint NOT NULL REFERENCES users (id),
    decided_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX event_reviews_event ON event_reviews (event_id, decided_at);

CREATE SEQUENCE case_number_seq;
CREATE TABLE enforcement_cases (
    id           bigserial PRIMARY KEY,
    case_number  text NOT NULL UNIQUE,           -- SLK-<year>-<number>, what the officer quotes
    event_id     text NOT NULL UNIQUE REFERENCES dumping_events (event_id),
    opened_at    timestamptz NOT NULL DEFAULT now(),
    opened_by    bigint NOT NULL REFERENCES users (id),
    status       text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    closed_at    timestamptz,
    legal_hold   boolean NOT NULL DEFAULT true,  -- evidence is kept while this holds
    CHECK (status = 'open' OR closed_at IS NOT NULL)
);

CREATE TABLE unblur_requests (
    id            bigserial PRIMARY KEY,
    event_id      text NOT NULL REFERENCES dumping_events (event_id),
    device_id     text NOT NULL,
    user_id       bigint NOT NULL REFERENCES users (id),
    reason        text NOT NULL CHECK (length(trim(reason)) >= 5),
    requested_at  timestamptz NOT NULL DEFAULT now(),
    sent_at       timestamptz
);

-- Evidence removed under the 30-day rule: the event row stays (figures need it), its files go.
CREATE TABLE evidence_purges (
    event_id       text PRIMARY KEY REFERENCES dumping_events (event_id),
    purged_at      timestamptz NOT NULL DEFAULT now(),
    files_removed  integer NOT NULL DEFAULT 0
);
