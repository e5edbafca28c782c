-- Device health, alarms, derived bin events and security events, all written by ingest in the
-- same transaction as the readings they come from (so a redelivered message derives nothing twice).

-- What ingest remembers per fill sensor between batches to judge the next reading.
CREATE TABLE device_health (
    device_id          text PRIMARY KEY REFERENCES devices (id),
    bin_id             text NOT NULL,
    last_reading_ts    timestamptz,          -- newest reading judged so far
    last_fill          real,                 -- newest trusted filling level
    last_distance_mm   integer,
    same_distance_run  integer NOT NULL DEFAULT 0,  -- readings in a row with the exact same distance
    no_echo_run        integer NOT NULL DEFAULT 0,  -- readings in a row without an echo
    overflow_since     timestamptz,          -- start of the open overflow period, if any
    updated_at         timestamptz NOT NULL DEFAULT now()
);

-- Conditions a coordinator must see: one open alert per device and kind, closed when it clears.
CREATE TABLE alerts (
    id               bigserial PRIMARY KEY,
    device_id        text NOT NULL,
    bin_id           text,
    kind             text NOT NULL CHECK (kind IN ('fire', 'tilt', 'moved', 'offline', 'stuck_sensor',
                                                   'no_echo', 'battery_low', 'tamper', 'device_fault')),
    severity         text NOT NULL CHECK (severity IN ('critical', 'warning')),
    observed_at      timestamptz NOT NULL,   -- device time of the message that raised it
    raised_at        timestamptz NOT NULL DEFAULT clock_timestamp(),
    detail           text NOT NULL DEFAULT '',
    cleared_at       timestamptz,
    acknowledged_at  timestamptz,
    acknowledged_by  text
);
CREATE UNIQUE INDEX alerts_one_open_per_kind ON alerts (device_id, kind) WHERE cleared_at IS NULL;
CREATE INDEX alerts_raised ON alerts (raised_at DESC);

-- Events read from the fill curve: collections (to match with the crew's confirmation), overflow
-- periods and suspected abuse (household waste in a street bin).
CREATE TABLE bin_events (
    id            bigserial PRIMARY KEY,
    bin_id        text NOT NULL,
    device_id     text NOT NULL,
    kind          text NOT NULL CHECK (kind IN ('collection', 'overflow', 'abuse')),
    started_at    timestamptz NOT NULL,
    ended_at      timestamptz,             -- overflow: when it fell below full; NULL while open
    fill_before   real,
    fill_after    real,
    at_night      boolean NOT NULL DEFAULT false,
    confirmed_at  timestamptz,             -- set when a crew's report matches a collection
    created_at    timestamptz NOT NULL DEFAULT now(),
    UNIQUE (device_id, kind, started_at)
);
CREATE INDEX bin_events_bin ON bin_events (bin_id, started_at DESC);
CREATE INDEX bin_events_open_overflow ON bin_events (device_id) WHERE kind = 'overflow' AND ended_at IS NULL;

-- Messages that point at an attack or a mis-provisioned device rather than at a bug.
CREATE TABLE security_events (
    id                 bigserial PRIMARY KEY,
    received_at        timestamptz NOT NULL DEFAULT now(),
    kind               text NOT NULL CHECK (kind IN ('device_impersonation')),
    topic_device_id    text,               -- the device whose topic carried the message
    claimed_device_id  text,               -- the device the payload claims to be
    topic              text NOT NULL,
    payload            bytea NOT NULL,
    detail             text NOT NULL
);
CREATE INDEX security_events_received ON security_events (received_at DESC);
