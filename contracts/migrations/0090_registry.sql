-- The asset registry (owner: api, api/*registry* query modules; see docs/registry.md): what the
-- city's team enters through the web app or an import instead of SQL. Adds vehicle types, crews'
-- depots and shifts, disposal sites' opening days, retired hotspots, and the history of which
-- fill sensor sat on which bin (kept by a trigger, so every writer of `devices` leaves a trace).

ALTER TABLE bins ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

ALTER TABLE vehicles ADD COLUMN vehicle_type text NOT NULL DEFAULT 'compactor'
    CHECK (vehicle_type IN ('van', 'compactor', 'crane'));
UPDATE vehicles SET vehicle_type = 'crane' WHERE id IN ('veh-4', 'veh-5') AND name LIKE 'Kraanwagen%';
UPDATE vehicles SET vehicle_type = 'van' WHERE id = 'veh-6' AND name LIKE 'Bestelwagen%';

ALTER TABLE depots ADD COLUMN active boolean NOT NULL DEFAULT true;

-- 0 = Monday, as in bin_windows; the planner keeps using opens/closes for the hours.
ALTER TABLE disposal_sites ADD COLUMN open_days smallint[] NOT NULL DEFAULT '{0,1,2,3,4,5}'
    CHECK (cardinality(open_days) BETWEEN 1 AND 7 AND open_days <@ '{0,1,2,3,4,5,6}'::smallint[]);

ALTER TABLE hotspots ADD COLUMN active boolean NOT NULL DEFAULT true;

ALTER TABLE crews ADD COLUMN depot_id text REFERENCES depots (id);
ALTER TABLE crews ADD COLUMN active boolean NOT NULL DEFAULT true;

-- When a crew works: the days of the week, the hours and the break.
CREATE TABLE crew_shifts (
    id             bigserial PRIMARY KEY,
    crew_id        text NOT NULL REFERENCES crews (id) ON DELETE CASCADE,
    weekdays       smallint[] NOT NULL
        CHECK (cardinality(weekdays) BETWEEN 1 AND 7 AND weekdays <@ '{0,1,2,3,4,5,6}'::smallint[]),
    starts         time NOT NULL,
    ends           time NOT NULL CHECK (ends > starts),
    break_start    time,
    break_minutes  integer NOT NULL DEFAULT 0 CHECK (break_minutes BETWEEN 0 AND 240),
    CHECK (break_start IS NULL OR (break_start >= starts AND break_start < ends))
);
CREATE INDEX crew_shifts_crew ON crew_shifts (crew_id);

-- Which fill sensor sat on which bin, and why it came off. Readings keep their bin_id, so a
-- bin's history stays with the bin across swaps.
CREATE TABLE sensor_pairings (
    id              bigserial PRIMARY KEY,
    device_id       text NOT NULL REFERENCES devices (id),
    bin_id          text NOT NULL REFERENCES bins (id),
    installed_at    timestamptz NOT NULL DEFAULT now(),
    installed_by    text NOT NULL,
    removed_at      timestamptz,
    removed_by      text,
    removed_reason  text CHECK (removed_reason IN ('swap', 'retire', 'move')),
    CHECK ((removed_at IS NULL) = (removed_reason IS NULL))
);
CREATE UNIQUE INDEX sensor_pairings_open_device ON sensor_pairings (device_id) WHERE removed_at IS NULL;
CREATE INDEX sensor_pairings_bin ON sensor_pairings (bin_id, installed_at DESC);

INSERT INTO sensor_pairings (device_id, bin_id, installed_at, installed_by, removed_at, removed_by,
                             removed_reason)
SELECT id, bin_id, created_at, 'migration', revoked_at,
       CASE WHEN revoked_at IS NOT NULL THEN 'migration' END,
       CASE WHEN revoked_at IS NOT NULL THEN 'retire' END
FROM devices WHERE kind = 'fill_sensor' AND bin_id IS NOT NULL;

-- Whoever writes `devices` (the registry, provisioning, the twin), the history follows. The
-- registry names the person and the reason with SET LOCAL nettestad.actor / nettestad.pairing_reason.
CREATE FUNCTION devices_pairing_history() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
    actor text := coalesce(nullif(current_setting('nettestad.actor', true), ''), current_user);
    reason text := nullif(current_setting('nettestad.pairing_reason', true), '');
BEGIN
    IF NEW.kind <> 'fill_sensor' THEN
        RETURN NEW;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        IF OLD.bin_id IS NOT DISTINCT FROM NEW.bin_id
           AND (OLD.revoked_at IS NULL) = (NEW.revoked_at IS NULL) THEN
            RETURN NEW;
        END IF;
        UPDATE sensor_pairings
           SET removed_at = coalesce(NEW.revoked_at, now()), removed_by = actor,
               removed_reason = coalesce(reason,
                   CASE WHEN NEW.revoked_at IS NOT NULL THEN 'retire' ELSE 'move' END)
         WHERE device_id = NEW.id AND removed_at IS NULL;
    END IF;
    IF NEW.revoked_at IS NULL AND NEW.bin_id IS NOT NULL THEN
        INSERT INTO sensor_pairings (device_id, bin_id, installed_by) VALUES (NEW.id, NEW.bin_id, actor);
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER devices_pairing_history AFTER INSERT OR UPDATE OF bin_id, revoked_at ON devices
    FOR EACH ROW EXECUTE FUNCTION devices_pairing_history();
