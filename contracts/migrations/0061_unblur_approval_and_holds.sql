-- Unblurring needs a second officer, and both the request and the approval expire; a case's legal
-- hold is sent to its camera (owner: api, api/enforcement_queries.py).

ALTER TABLE unblur_requests
    -- until approval: when the request lapses; after approval: when the approval lapses
    ADD COLUMN expires_at   timestamptz NOT NULL DEFAULT now() + interval '48 hours',
    ADD COLUMN approved_by  bigint REFERENCES users (id),
    ADD COLUMN approved_at  timestamptz,
    ADD CONSTRAINT unblur_requests_second_officer
        CHECK (approved_by IS NULL OR approved_by <> user_id),
    ADD CONSTRAINT unblur_requests_approval_complete
        CHECK ((approved_by IS NULL) = (approved_at IS NULL));
CREATE INDEX unblur_requests_event ON unblur_requests (event_id, requested_at);
CREATE INDEX unblur_requests_open ON unblur_requests (expires_at) WHERE approved_at IS NULL;

-- The camera keeps its unblurred originals past its own 30-day purge while a case holds them.
ALTER TABLE enforcement_cases
    ADD COLUMN hold_sent_at     timestamptz,   -- the camera was told to hold (broker acknowledged)
    ADD COLUMN release_sent_at  timestamptz;   -- after closing: the camera was told to let go
