#!/usr/bin/env bash
# Schedules and reads at fleet scale: one cloud node with RabbitMQ between ingestion and PostgreSQL for acks,
# `./nattery simulate` with every device live, then (DispatchProbe):
#   1. one schedule per device by POST /api/v1/schedules (64 at a time), and the time until PostgreSQL records
#      APPLIED for all of them: from the first post, and from the last;
#   2. GET /api/v1/devices/{id} at a fixed rate for random devices, open loop: p50/p99/max (after 10 s at the
#      same rate, reported apart as the warm-up);
# and the node's CPU and resident memory over both.
# Usage: bench/dispatch.sh [devices=10000] [rps=1000] [seconds=30] [telemetry rate=0.2]
set -euo pipefail
cd "$(dirname "$0")/.."
devices=${1:-10000}; rps=${2:-1000}; seconds=${3:-30}; rate=${4:-0.2}
. bench/lib/fleet.sh
queue="$run.reports"
cleanups+=("rabbitmqctl -q delete_queue '$queue'" "rabbitmqctl -q delete_queue '$queue.dead'")
# a trading bot posts for the whole fleet: its limit is set for that
extra_config=',
  "rabbitmq": { "host": "127.0.0.1", "port": 5672, "user": "guest", "password": "guest", "queue": "'"$queue"'" },
  "rate_limit": { "per_s": 20000, "burst": 20000 }'
PG_POOL=${PG_POOL:-8}; registry_sync_ms=2000
start_fleet
sleep "${WARMUP_S:-10}"

hz=$(getconf CLK_TCK)
c0=$(ticks "$cloud_pid"); w0=$(date +%s.%N)
java -Xmx1g -cp "$cp" io.nattery.cloud.dispatch.bench.DispatchProbe "http://127.0.0.1:$http_port" NATTERY_BENCH_JWT \
  "$run" sim- "$devices" "$rps" "$seconds" | grep '^{' | tail -n1 >"$work/probe.json"
c1=$(ticks "$cloud_pid"); w1=$(date +%s.%N)

print_setup
echo "       acks through RabbitMQ $(rabbitmqctl -q version 2>/dev/null || echo '?') (queue $queue); node PostgreSQL pool ${PG_POOL}"
awk -v hz="$hz" -v w0="$w0" -v w1="$w1" -v c="$((c1 - c0))" -v crss="$(kb "$cloud_pid" VmRSS)" \
  -v chwm="$(kb "$cloud_pid" VmHWM)" 'BEGIN {
  printf "node over both phases: cpu %.0f%% of one core, rss %.0f MiB (peak %.0f MiB)\n", 100*c/hz/(w1-w0), crss/1024, chwm/1024
}'
python3 - "$work/probe.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s, d = r["schedules"], r["device_reads"]
print(f"schedules: {s['posted']} posted in {s['posting_s']} s ({s['posts_per_s']}/s, {s['post_failures']} failed);"
      f" all {s['applied']} APPLIED in PostgreSQL {s['first_post_to_all_applied_s']} s after the first post,"
      f" {s['last_post_to_all_applied_s']} s after the last")
w = r["device_reads_warmup"]
print(f"GET warm-up, not counted: {w['requests']} requests, p50 {w['p50_ms']} ms, p99 {w['p99_ms']} ms, max {w['max_ms']} ms")
print(f"GET /api/v1/devices/{{id}}: {d['requests']} requests at {d['target_rps']}/s (achieved {d['achieved_rps']}/s),"
      f" {d['errors']} errors; p50 {d['p50_ms']} ms, p99 {d['p99_ms']} ms, max {d['max_ms']} ms")
print("raw: " + json.dumps(r))
PY
