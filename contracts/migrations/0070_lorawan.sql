-- LoRaWAN sensors (owner: provisioning writes the registry columns, ingest the frame state; see
-- docs/lorawan.md). A LoRaWAN sensor is a `devices` row of kind 'fill_sensor' like our own, so
-- readings, health, alerts and planning treat it the same; this table adds what only LoRaWAN has.
-- A plain table on both paths (no time series here).

CREATE TABLE lorawan_devices (
    device_id         text PRIMARY KEY REFERENCES devices (id),
    dev_eui           text NOT NULL UNIQUE CHECK (dev_eui ~ '^[0-9a-f]{16}$'),
    codec             text NOT NULL CHECK (codec IN ('milesight-em310-udl', 'dragino-ldds75')),
    sensor_offset_mm  integer NOT NULL DEFAULT 0 CHECK (sensor_offset_mm >= 0),
    blind_zone_mm     integer CHECK (blind_zone_mm >= 0),   -- NULL: the codec's datasheet figure
    -- where downlinks go: learnt from the latest uplink (or given at provisioning)
    network           text CHECK (network IN ('chirpstack', 'tts')),
    lns_application   text,
    lns_device_id     text,
    -- frame-counter state, kept by ingest in the transaction that stores the readings
    fcnt_epoch        integer NOT NULL DEFAULT 0,
    last_fcnt         bigint,
    last_uplink_at    timestamptz,
    epoch_started_at  timestamptz,
    fcnt_resets       integer NOT NULL DEFAULT 0,
    battery_pct       smallint CHECK (battery_pct BETWEEN 0 AND 100),
    created_at        timestamptz NOT NULL DEFAULT now()
) WITH (fillfactor = 70);  -- ingest updates each row per uplink: room on the page for HOT updates
