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
# the broker's files are written here by `nattery broker-files` (compose service broker-files, uid 1883, the
# broker's own): the directory must be that uid's
mkdir -p "$dir/broker"
chown 1883:1883 "$dir/broker" 2>/dev/null \
  || echo "warning: run 'chown 1883:1883 $dir/broker' as root, or broker-files cannot write there" >&2
echo "secrets in $dir"
