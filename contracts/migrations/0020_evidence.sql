-- Evidence from camera units: device public keys, signed manifests, files and their
-- verification state, and a log of every device upload and refusal. (Officers' unblur requests
-- live in unblur_requests, migration 0041.)
-- Written by the API's evidence upload endpoint (api/evidence_store.py).

CREATE TABLE device_keys (
    id            bigserial PRIMARY KEY,
    device_id     text NOT NULL REFERENCES devices (id),
    algorithm     text NOT NULL DEFAULT 'ed25519' CHECK (algorithm = 'ed25519'),
    public_key    bytea NOT NULL CHECK (length(public_key) = 32),
    created_at    timestamptz NOT NULL DEFAULT now(),
    revoked_at    timestamptz
);
-- One active key per device; a rotated key stays (revoked) so old signatures still verify.
CREATE UNIQUE INDEX device_keys_active ON device_keys (device_id) WHERE revoked_at IS NULL;

-- No foreign key to dumping_events: files may arrive before the MQTT message that announces
-- the event (store-and-forward sends files first).
CREATE TABLE evidence_manifests (
    event_id          text PRIMARY KEY,
    device_id         text NOT NULL REFERENCES devices (id),
    key_id            bigint NOT NULL REFERENCES device_keys (id),
    manifest          bytea NOT NULL,          -- the exact bytes that were signed
    manifest_sha256   text NOT NULL CHECK (manifest_sha256 ~ '^[0-9a-f]{64}$'),
    signature_b64     text NOT NULL,
    started_at        timestamptz NOT NULL,
    detected_at       timestamptz NOT NULL,
    received_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX evidence_manifests_device ON evidence_manifests (device_id, received_at DESC);

CREATE TABLE evidence_files (
    event_id        text NOT NULL REFERENCES evidence_manifests (event_id),
    name            text NOT NULL,
    kind            text NOT NULL,
    withheld        boolean NOT NULL,          -- an unblurred original, only on request
    sha256          text NOT NULL,
    size_bytes      bigint NOT NULL,
    state           text NOT NULL DEFAULT 'expected' CHECK (state IN ('expected', 'verified')),
    path            text,                      -- relative to the evidence directory
    verified_at     timestamptz,
    rejections      integer NOT NULL DEFAULT 0,
    last_rejection  text,
    PRIMARY KEY (event_id, name)
);

CREATE TABLE evidence_access_log (
    id          bigserial PRIMARY KEY,
    at          timestamptz NOT NULL DEFAULT now(),
    event_id    text NOT NULL,
    actor       text NOT NULL,                 -- 'device:{id}' or a user name
    action      text NOT NULL,                 -- upload_manifest, upload_file, rejected
    detail      text NOT NULL DEFAULT ''
);
CREATE INDEX evidence_access_log_event ON evidence_access_log (event_id, at);
