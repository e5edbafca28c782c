-- Route planning: the fleet and sites it plans with, what it must or may not visit, and the plans.
-- Owners (see docs/architecture.md): fleet and site tables by coordinators (API) and this seed;
-- plans, plan_routes, plan_stops and plan_unplanned by routing only.

CREATE TABLE depots (
    id      text PRIMARY KEY,
    name    text NOT NULL,
    lat     double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon     double precision NOT NULL CHECK (lon BETWEEN -180 AND 180)
);

CREATE TABLE disposal_sites (
    id          text PRIMARY KEY,
    name        text NOT NULL,
    lat         double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon         double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    unload_s    integer NOT NULL DEFAULT 900 CHECK (unload_s >= 0),
    opens       time NOT NULL DEFAULT '06:00',
    closes      time NOT NULL DEFAULT '17:00',
    active      boolean NOT NULL DEFAULT true
);

CREATE TABLE vehicles (
    id              text PRIMARY KEY,
    name            text NOT NULL,
    depot_id        text NOT NULL REFERENCES depots (id),
    capacity_l      integer NOT NULL CHECK (capacity_l > 0),   -- bin contents, after compaction
    capacity_kg     integer NOT NULL CHECK (capacity_kg > 0),
    cost_per_km     numeric(8, 3) NOT NULL DEFAULT 1.20,        -- euro
    cost_per_hour   numeric(8, 2) NOT NULL DEFAULT 55.00,       -- euro, crew and vehicle
    fixed_cost      numeric(8, 2) NOT NULL DEFAULT 40.00,       -- euro per day used
    shift_start     time NOT NULL DEFAULT '06:00',
    shift_end       time NOT NULL DEFAULT '14:30',
    break_earliest  time DEFAULT '10:00',                       -- NULL: no break
    break_latest    time DEFAULT '12:00',
    break_minutes   integer NOT NULL DEFAULT 30 CHECK (break_minutes >= 0),
    active          boolean NOT NULL DEFAULT true
);

-- Service time and typical density per container type.
CREATE TABLE container_service (
    container_type  text PRIMARY KEY,
    service_s       integer NOT NULL CHECK (service_s >= 0),
    kg_per_l        real NOT NULL CHECK (kg_per_l > 0)
);

-- When a bin may be served (market squares, school gates); weekday NULL means every day.
CREATE TABLE bin_windows (
    bin_id      text NOT NULL REFERENCES bins (id) ON DELETE CASCADE,
    weekday     smallint CHECK (weekday BETWEEN 0 AND 6),  -- 0 = Monday
    opens       time NOT NULL,
    closes      time NOT NULL CHECK (closes > opens),
    PRIMARY KEY (bin_id, opens, closes)
);

CREATE TABLE crews (
    id      text PRIMARY KEY,
    name    text NOT NULL
);

CREATE TABLE crew_assignments (
    day         date NOT NULL,
    vehicle_id  text NOT NULL REFERENCES vehicles (id),
    crew_id     text NOT NULL REFERENCES crews (id),
    PRIMARY KEY (day, vehicle_id),
    UNIQUE (day, crew_id)
);

-- A visit that must happen on a day: a dump to clear, a citizen report, an event.
CREATE TABLE fixed_visits (
    id          bigserial PRIMARY KEY,
    day         date NOT NULL,
    kind        text NOT NULL CHECK (kind IN ('dump', 'report', 'event', 'bin')),
    name        text NOT NULL,
    bin_id      text REFERENCES bins (id),
    lat         double precision NOT NULL CHECK (lat BETWEEN -90 AND 90),
    lon         double precision NOT NULL CHECK (lon BETWEEN -180 AND 180),
    service_s   integer NOT NULL DEFAULT 600 CHECK (service_s >= 0),
    volume_l    integer NOT NULL DEFAULT 0 CHECK (volume_l >= 0),
    weight_kg   integer NOT NULL DEFAULT 0 CHECK (weight_kg >= 0),
    opens       time,
    closes      time,
    note        text NOT NULL DEFAULT '',
    created_at  timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX fixed_visits_day ON fixed_visits (day);

-- Bins not to plan in a date range (road works, a removed bin, an event closing the street).
CREATE TABLE bin_exclusions (
    id          bigserial PRIMARY KEY,
    bin_id      text NOT NULL REFERENCES bins (id) ON DELETE CASCADE,
    from_day    date NOT NULL,
    to_day      date NOT NULL CHECK (to_day >= from_day),
    reason      text NOT NULL DEFAULT ''
);
CREATE INDEX bin_exclusions_bin ON bin_exclusions (bin_id, from_day);

CREATE TABLE plans (
    id              bigserial PRIMARY KEY,
    day             date NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    state           text NOT NULL DEFAULT 'active' CHECK (state IN ('active', 'superseded')),
    replan_of       bigint REFERENCES plans (id),
    objective       bigint NOT NULL,           -- micro-euro, see routing/model.py
    distance_m      bigint NOT NULL,
    solve_s         real NOT NULL,
    summary         jsonb NOT NULL DEFAULT '{}'::jsonb
);
CREATE INDEX plans_day ON plans (day, created_at DESC);
-- One active plan per day; a re-plan supersedes it in the same transaction.
CREATE UNIQUE INDEX plans_one_active ON plans (day) WHERE state = 'active';

CREATE TABLE plan_routes (
    plan_id       bigint NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    vehicle_id    text NOT NULL REFERENCES vehicles (id),
    crew_id       text REFERENCES crews (id),
    start_at      timestamptz NOT NULL,
    end_at        timestamptz NOT NULL,
    distance_m    bigint NOT NULL,
    break_start   timestamptz,
    break_end     timestamptz,
    PRIMARY KEY (plan_id, vehicle_id)
);

CREATE TABLE plan_stops (
    plan_id         bigint NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    vehicle_id      text NOT NULL,
    seq             integer NOT NULL,
    kind            text NOT NULL CHECK (kind IN ('bin', 'fixed', 'unload')),
    ref             text NOT NULL,             -- bin id, 'fixed:<id>' or disposal site id
    name            text NOT NULL,
    lat             double precision NOT NULL,
    lon             double precision NOT NULL,
    arrival_at      timestamptz NOT NULL,
    start_at        timestamptz NOT NULL,
    end_at          timestamptz NOT NULL,
    load_l          integer NOT NULL,
    load_kg         integer NOT NULL,
    predicted_fill  real,
    penalty         bigint,                    -- micro-euro if left out; NULL: must visit
    state           text NOT NULL DEFAULT 'planned'
        CHECK (state IN ('planned', 'done', 'blocked', 'skipped')),
    done_at         timestamptz,
    PRIMARY KEY (plan_id, vehicle_id, seq),
    FOREIGN KEY (plan_id, vehicle_id) REFERENCES plan_routes (plan_id, vehicle_id) ON DELETE CASCADE
);
CREATE INDEX plan_stops_ref ON plan_stops (ref);

CREATE TABLE plan_unplanned (
    plan_id     bigint NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    ref         text NOT NULL,
    name        text NOT NULL,
    must_visit  boolean NOT NULL,
    penalty     bigint,
    lat         double precision,
    lon         double precision,
    reason      text NOT NULL,
    PRIMARY KEY (plan_id, ref)
);

-- A working default for Kortrijk, so a fresh installation can plan at once; coordinators edit it.
INSERT INTO depots (id, name, lat, lon) VALUES ('depot-kortrijk', 'Stelplaats Nette Stad', 50.8190, 3.2880);
INSERT INTO disposal_sites (id, name, lat, lon, unload_s) VALUES
    ('imog-harelbeke', 'IMOG Harelbeke', 50.8500, 3.3100, 900),
    ('recyclagepark-kortrijk', 'Overslag recyclagepark Kortrijk', 50.8050, 3.2500, 720);
INSERT INTO container_service (container_type, service_s, kg_per_l) VALUES
    ('street_bin', 75, 0.12),
    ('dog_waste', 60, 0.5),
    ('cigarette', 45, 0.2),
    ('underground', 420, 0.15),
    ('glass', 480, 0.35);
INSERT INTO vehicles (id, name, depot_id, capacity_l, capacity_kg) VALUES
    ('veh-1', 'Veegwagen 1', 'depot-kortrijk', 12000, 2500),
    ('veh-2', 'Veegwagen 2', 'depot-kortrijk', 12000, 2500),
    ('veh-3', 'Veegwagen 3', 'depot-kortrijk', 12000, 2500),
    ('veh-4', 'Kraanwagen 1', 'depot-kortrijk', 30000, 8000),
    ('veh-5', 'Kraanwagen 2', 'depot-kortrijk', 30000, 8000),
    ('veh-6', 'Bestelwagen 1', 'depot-kortrijk', 4000, 900);
INSERT INTO crews (id, name) VALUES
    ('ploeg-1', 'Ploeg 1'), ('ploeg-2', 'Ploeg 2'), ('ploeg-3', 'Ploeg 3'),
    ('ploeg-4', 'Ploeg 4'), ('ploeg-5', 'Ploeg 5'), ('ploeg-6', 'Ploeg 6');
