#!/bin/sh
# Turn every NETTESTAD_<NAME>_FILE variable that points into the secrets folder (a Compose
# secret) into NETTESTAD_<NAME>, then run the command. Secrets thus never appear in compose.yaml
# or `docker inspect`. Settings that are file paths themselves (NETTESTAD_MQTT_CA_FILE) point
# elsewhere and are left alone.
set -eu
secrets_dir=${NETTESTAD_SECRETS_DIR:-/run/secrets}
for name in $(env | sed -n "s|^\(NETTESTAD_[A-Z0-9_]*\)_FILE=${secrets_dir}/.*|\1|p"); do
    file=$(printenv "${name}_FILE")
    if [ ! -r "$file" ]; then
        echo "nettestad: ${name}_FILE names $file, which cannot be read" >&2
        exit 78
    fi
    value=$(cat "$file")
    export "$name=$value"
    unset "${name}_FILE"
done
exec "$@"
