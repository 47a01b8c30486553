#!/usr/bin/env bash
# Makes the stack's secret files (random, 32 bytes, base64) once; existing ones are kept.
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)/secrets"
mkdir -p "$dir" && chmod 700 "$dir"
for name in jwt_secret pg_password mqtt_cloud_password edge_mqtt_password rabbitmq_password grafana_admin_password; do
  [ -s "$dir/$name" ] || { head -c 32 /dev/urandom | base64 | tr -d '\n=' > "$dir/$name"; chmod 600 "$dir/$name"; }
done
# the ENTSO-E token is issued to a person, not generated: taken from ENTSOE_TOKEN when set; without it the
# file stays empty and the price fetcher reports a missing token until one is written there
if [ ! -s "$dir/entsoe_token" ]; then
  printf '%s' "${ENTSOE_TOKEN:-}" > "$dir/entsoe_token"; chmod 600 "$dir/entsoe_token"
fi
# the broker's password file: the cloud's login and the simulated edge's (mosquitto_passwd hashes them)
if [ ! -s "$dir/mosquitto_passwords" ]; then
  command -v mosquitto_passwd >/dev/null || { echo "needs mosquitto_passwd (apt-get install mosquitto)" >&2; exit 1; }
  touch "$dir/mosquitto_passwords" && chmod 600 "$dir/mosquitto_passwords"
  mosquitto_passwd -b "$dir/mosquitto_passwords" nattery-cloud "$(cat "$dir/mqtt_cloud_password")"
  mosquitto_passwd -b "$dir/mosquitto_passwords" sim-0001 "$(cat "$dir/edge_mqtt_password")"
  # the broker runs as uid 1883 in its image and must read the file (it holds hashes, not passwords)
  chown 1883:1883 "$dir/mosquitto_passwords" 2>/dev/null || chmod 644 "$dir/mosquitto_passwords"
fi
echo "secrets in $dir"
