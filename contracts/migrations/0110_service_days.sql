-- Service days per area: the periodic plan the sensor-driven policy works within
-- (routing.servicedays). One row per service (street crews; the crane truck for underground and
-- glass containers) and area (bins.district): the weekdays a crew comes, 0 = Monday. An empty
-- list means the coordinator set the area to no service at all (the plan warns, naming the
-- containers); an area without a row is not planned yet and is served every day.
-- Owner: routing (db/servicedays.py); coordinators change it through `nettestad servicedays`.

CREATE TABLE service_days (
    service     text NOT NULL CHECK (service IN ('street', 'crane')),
    area        text NOT NULL,
    weekdays    smallint[] NOT NULL DEFAULT '{}'
        CHECK (weekdays <@ ARRAY[0, 1, 2, 3, 4, 5, 6]::smallint[]),
    updated_at  timestamptz NOT NULL DEFAULT now(),
    updated_by  text,
    PRIMARY KEY (service, area)
);
