#!/usr/bin/env bash
# First set-up of a nettestad server; run from anywhere, as root, after filling in deploy/.env.
# Makes every secret, the broker's certificate authority and TLS certificate, the broker's
# configuration and its service accounts. Idempotent: whatever already exists is kept, so it
# never rotates a secret behind a running stack's back (see docs/operations.md for rotation).
set -euo pipefail
cd "$(dirname "$0")"
[ -f .env ] || { echo "copy .env.example to .env and fill it in first" >&2; exit 1; }
set -a; . ./.env; set +a
: "${NETTESTAD_MQTT_HOSTNAME:?set NETTESTAD_MQTT_HOSTNAME in deploy/.env}"
MOSQUITTO_UID=1883  # the broker's user in the eclipse-mosquitto image
APP_UID=10001       # the nettestad user in our image

say() { printf '==> %s\n' "$*" >&2; }
random() { openssl rand -base64 48 | tr -d '/+=\n' | cut -c1-40; }

umask 077
mkdir -p secrets mosquitto/certs backups
chmod 700 secrets
for name in db_password db_app_password api_secret_key scheduler_token \
            mqtt_ingest_password mqtt_api_password mqtt_scheduler_password mqtt_metrics_password; do
  [ -s "secrets/$name" ] || { random > "secrets/$name"; say "made secrets/$name"; }
done
# The owner's URL (migrations, backups, restores) and the services' (a role that may not alter the
# audit log; deploy/postgres/initdb/10-roles.sh).
[ -s secrets/database_url ] || \
  printf 'postgresql://nettestad:%s@db:5432/nettestad\n' "$(cat secrets/db_password)" > secrets/database_url
[ -s secrets/app_database_url ] || \
  printf 'postgresql://nettestad_svc:%s@db:5432/nettestad\n' "$(cat secrets/db_app_password)" > secrets/app_database_url
# Compose bind-mounts secret files with their host permissions: readable inside the containers
# (whose users are not root), while the 0700 folder keeps other host users out.
chmod 444 secrets/*

certs=mosquitto/certs
if [ ! -s "$certs/ca.crt" ]; then
  say "making the device certificate authority (keep secrets/ca.key offline once devices are out)"
  openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -days 3650 \
    -subj "/CN=nettestad device CA" -keyout secrets/ca.key -out "$certs/ca.crt" 2>/dev/null
  chmod 400 secrets/ca.key
fi
if [ ! -s "$certs/server.crt" ]; then
  say "making the broker certificate for $NETTESTAD_MQTT_HOSTNAME"
  openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes \
    -subj "/CN=$NETTESTAD_MQTT_HOSTNAME" -keyout "$certs/server.key" -out "$certs/server.csr" 2>/dev/null
  printf 'subjectAltName=DNS:%s,DNS:mosquitto\nextendedKeyUsage=serverAuth\n' \
    "$NETTESTAD_MQTT_HOSTNAME" > "$certs/server.ext"
  openssl x509 -req -in "$certs/server.csr" -CA "$certs/ca.crt" -CAkey secrets/ca.key \
    -CAcreateserial -days 825 -sha256 -extfile "$certs/server.ext" -out "$certs/server.crt" 2>/dev/null
  rm -f "$certs/server.csr" "$certs/server.ext"
fi
chmod 755 "$certs"; chmod 644 "$certs/ca.crt" "$certs/server.crt"
chown "$MOSQUITTO_UID:$MOSQUITTO_UID" "$certs/server.key"; chmod 400 "$certs/server.key"
chown "$APP_UID:$APP_UID" backups

say "building the nettestad image"
docker compose build

say "writing the broker configuration and service accounts"
docker compose run --rm --no-deps -T tools \
  nettestad broker config --out /broker --root "${NETTESTAD_TOPIC_ROOT:-nettestad}"
for service in ingest api scheduler metrics; do
  docker compose run --rm --no-deps -T tools \
    nettestad broker set-service "svc_$service" --password-stdin --passwd-file /broker/passwd \
    < "secrets/mqtt_${service}_password"
done
chown "$MOSQUITTO_UID:$MOSQUITTO_UID" mosquitto/config/passwd
chmod 640 mosquitto/config/passwd

say "done: start the stack with 'docker compose up -d' (from deploy/)"
