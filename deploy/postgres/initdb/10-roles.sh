#!/bin/sh
# The database roles of nettestad (docs/operations.md "Database roles"):
#   nettestad        the owner (POSTGRES_USER): migrations, backups and restores only
#   nettestad_audit  owns the audit log; never logs in
#   nettestad_app    what the services may do: the other tables, and only INSERT/SELECT on the log
#   nettestad_svc    the services' login: a member of nettestad_app and nothing else
# Runs when the database volume is first initialised. On a stack made before these roles, run it
# once by hand: docker compose exec db sh /docker-entrypoint-initdb.d/10-roles.sh
# The ownership of the audit log and the grants are made by migration 0060 (and again by
# every restore), which also creates the two group roles when this script has not run.
set -eu
DB_APP_PASSWORD=$(cat /run/secrets/db_app_password)
export DB_APP_PASSWORD
psql -v ON_ERROR_STOP=1 --username "${POSTGRES_USER:-nettestad}" --dbname "${POSTGRES_DB:-nettestad}" <<'SQL'
SELECT 'CREATE ROLE nettestad_audit NOLOGIN'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'nettestad_audit')\gexec
SELECT 'CREATE ROLE nettestad_app NOLOGIN'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'nettestad_app')\gexec
SELECT 'CREATE ROLE nettestad_svc LOGIN'
 WHERE NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'nettestad_svc')\gexec
\getenv app_password DB_APP_PASSWORD
ALTER ROLE nettestad_svc WITH LOGIN NOSUPERUSER NOCREATEDB NOCREATEROLE NOREPLICATION NOBYPASSRLS
    PASSWORD :'app_password';
GRANT nettestad_app TO nettestad_svc;
SQL
