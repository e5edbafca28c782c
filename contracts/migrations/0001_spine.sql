-- The first schema: bins, devices, hotspots, fill readings, dumping events, dead letters.
-- Owners (see docs/architecture.md): the registry tables are written by provisioning and the
-- scenario loader; fill_readings, dumping_events and dead_letters by ingest only.

CREATE TABLE bins (
    id              text PRIMARY KEY,
    name            text NOT NULL,                     -- address or landmark, as crews know it
    district        text NOT NULL,                     -- deelgemeente or 'Centrum'
    place_type      text NOT NULL DEFAULT 'street',    -- station, market, school, park, shopping, ...
    container_type  text NOT NULL
        CHECK (container_type IN ('street_bin', 'underground', 'glass', 'dog_waste', 'cigarette')),
    category        text NOT NULL DEFAULT 'fixed'      -- FIWARE WasteContainer category
        CHECK (category IN ('fixed', 'ground', 'other', 'portable', 'underground')),
    volume_l        integer NOT NULL CHECK (volume_l > 0),
    depth_mm        integer NOT NULL CHECK (depth_mm > 0),  -- sensor face to bin floor
    lat             double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon             double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    threshold       real NOT NULL DEFAULT 0.8 CHECK (threshold > 0 AND threshold <= 1),
    active          boolean NOT NULL DEFAULT true,
    created_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bins_district ON bins (district);

CREATE TABLE hotspots (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    district    text NOT NULL,
    lat         double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon         double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    created_at  timestamptz NOT NULL DEFAULT now()
);

CREATE TABLE devices (
    id                 text PRIMARY KEY CHECK (id ~ '^[a-z0-9][a-z0-9-]{2,63}$'),
    kind               text NOT NULL CHECK (kind IN ('fill_sensor', 'camera')),
    bin_id             text REFERENCES bins (id),
    hotspot_id         text REFERENCES hotspots (id),
    config             jsonb NOT NULL DEFAULT '{}'::jsonb,
    created_at         timestamptz NOT NULL DEFAULT now(),
    revoked_at         timestamptz,
    -- latest health, kept by ingest from status messages and readings
    last_seen_at       timestamptz,
    state              text,
    firmware           text,
    battery_v          real,
    rssi_dbm           smallint,
    dropped_readings   bigint NOT NULL DEFAULT 0,
    CHECK ((kind = 'fill_sensor' AND bin_id IS NOT NULL) OR (kind = 'camera' AND hotspot_id IS NOT NULL))
);
CREATE INDEX devices_bin ON devices (bin_id);

-- No foreign keys on the time series: ingest checks the device registry before it writes, and
-- foreign keys on a hypertable slow every insert.
CREATE TABLE fill_readings (
    device_id       text NOT NULL,
    bin_id          text NOT NULL,
    ts              timestamptz NOT NULL,
    seq             bigint NOT NULL,
    distance_mm     integer,
    filling_level   real CHECK (filling_level BETWEEN 0 AND 1),
    temperature_c   real,
    battery_v       real,
    rssi_dbm        smallint,
    quality         text NOT NULL,
    status          text NOT NULL,
    received_at     timestamptz NOT NULL DEFAULT now(),
    -- the idempotency key: a message delivered twice is stored once
    PRIMARY KEY (device_id, ts, seq)
);
CREATE INDEX fill_readings_bin_ts ON fill_readings (bin_id, ts DESC);

CREATE TABLE dumping_events (
    event_id          text PRIMARY KEY,
    device_id         text NOT NULL REFERENCES devices (id),
    hotspot_id        text NOT NULL,
    seq               bigint NOT NULL,
    started_at        timestamptz NOT NULL,
    detected_at       timestamptz NOT NULL,
    bbox              integer[] NOT NULL,
    object_area_px    integer NOT NULL,
    person_present    boolean NOT NULL,
    vehicle_present   boolean NOT NULL,
    score             real NOT NULL,
    files             jsonb NOT NULL DEFAULT '[]'::jsonb,
    manifest_sha256   text,
    signature_b64     text,
    review_state      text NOT NULL DEFAULT 'new'
        CHECK (review_state IN ('new', 'in_review', 'confirmed', 'dismissed')),
    received_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX dumping_events_hotspot ON dumping_events (hotspot_id, detected_at DESC);

CREATE TABLE dead_letters (
    id            bigserial PRIMARY KEY,
    received_at   timestamptz NOT NULL DEFAULT now(),
    topic         text NOT NULL,
    payload       bytea NOT NULL,
    code          text NOT NULL,
    reason        text NOT NULL,
    device_id     text
);
CREATE INDEX dead_letters_received ON dead_letters (received_at DESC);
