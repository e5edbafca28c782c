-- Summary tables ingest maintains from the rows it newly stores (never from a duplicate).
CREATE TABLE fill_hourly (
    bin_id           text NOT NULL,
    bucket           timestamptz NOT NULL,
    readings         bigint NOT NULL,
    fill_n           bigint NOT NULL,
    fill_sum         double precision,
    fill_min         real,
    fill_max         real,
    temperature_max  real,
    battery_min      real,
    PRIMARY KEY (bin_id, bucket)
);

CREATE TABLE fill_daily (LIKE fill_hourly INCLUDING ALL);
