#!/usr/bin/env bash
# Makes the stack's secret files (random, 32 bytes, base64) once; existing ones are kept.
set -euo pipefail
dir="$(cd "$(dirname "$0")" && pwd)/secrets"
mkdir -p "$dir" && chmod 700 "$dir"
for name in jwt_secret pg_password mqtt_cloud_password edge_mqtt_password rabbitmq_password grafana_admin_password; do
  [ -s "$dir/$name" ] || { head -c 32 /dev/urandom | base64 | tr -d '\n=' > "$dir/$name"; chmod 600 "$dir/$name"; }
done
echo "secrets in $dir"
