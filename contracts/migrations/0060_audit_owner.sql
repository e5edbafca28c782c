-- The audit log belongs to a role of its own; the application's role may only add to it and read it.
--
-- nettestad_audit (no login) owns audit_log, its id sequence and the trigger function that keeps it
-- append-only. Only an owner (or a superuser) may disable or drop a trigger, so the application,
-- which is not that owner, cannot switch the protection off.
-- nettestad_app (no login) carries what the services may do: read and write the other tables, and
-- only INSERT and SELECT on audit_log. Production logs the services in with a login role that is
-- a member of nettestad_app and nothing else (deploy/postgres/initdb/10-roles.sh,
-- docs/operations.md "Database roles"); migrations run as the database's owner.
-- Roles belong to the whole server, so creating them tolerates another database (or a concurrent
-- migration of one) having made them first.

DO $$
BEGIN
    BEGIN
        CREATE ROLE nettestad_audit NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;
    END;
    BEGIN
        CREATE ROLE nettestad_app NOLOGIN;
    EXCEPTION WHEN duplicate_object OR unique_violation THEN
        NULL;
    END;
END $$;

-- The audit owner owns only the audit log; it never logs in.
ALTER TABLE audit_log OWNER TO nettestad_audit;  -- its id sequence follows the table
ALTER FUNCTION audit_log_is_append_only() OWNER TO nettestad_audit;

-- What the services may do everywhere else, now and in later migrations.
GRANT SELECT, INSERT, UPDATE, DELETE ON ALL TABLES IN SCHEMA public TO nettestad_app;
GRANT USAGE, SELECT, UPDATE ON ALL SEQUENCES IN SCHEMA public TO nettestad_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT SELECT, INSERT, UPDATE, DELETE ON TABLES TO nettestad_app;
ALTER DEFAULT PRIVILEGES IN SCHEMA public
    GRANT USAGE, SELECT, UPDATE ON SEQUENCES TO nettestad_app;

-- The schema's own history is the migrations' business.
REVOKE INSERT, UPDATE, DELETE ON schema_migrations FROM nettestad_app;

-- The audit log: add and read, nothing else.
REVOKE ALL ON audit_log FROM PUBLIC;
REVOKE ALL ON audit_log FROM nettestad_app;
GRANT SELECT, INSERT ON audit_log TO nettestad_app;
REVOKE ALL ON SEQUENCE audit_log_id_seq FROM nettestad_app;
GRANT USAGE ON SEQUENCE audit_log_id_seq TO nettestad_app;
