#!/usr/bin/env bash
# Live fan-out at fleet scale: one cloud node (`./nattery cloud`) ingesting `./nattery simulate` (10,000 devices
# at 1 Hz by default) from a private Mosquitto, and N SockJS bridge clients (raw WebSocket, as `tail`), each on
# fleet.summary and K devices of its own. Prints the delivery latency of telemetry (arrival at the client minus
# the device's sample time: MQTT, ingestion, the device feed and the bridge) and of fleet.summary (minus the
# time it was computed), p50/p99/max, clients cut off, and the node's CPU and memory over the window.
# Loopback only; bounded: setup (~1-2 min for 10,000 connections) plus the window.
# Usage: bench/bridge-fanout.sh [devices=10000] [clients=200] [per_client=10] [seconds=60]
set -euo pipefail
cd "$(dirname "$0")/.."
devices=${1:-10000}; clients=${2:-200}; per_client=${3:-10}; seconds=${4:-60}
rate=1; warmup=${WARMUP_S:-15}; registry_sync_ms=2000
HTTP_PORT=${HTTP_PORT:-18590}; BROKER_PORT=${BROKER_PORT:-18593}
. bench/lib/fleet.sh
start_fleet
width=$(( ${#devices} > 5 ? ${#devices} : 5 ))
sleep "$warmup"

hz=$(getconf CLK_TCK)
# the node's JVM is the launcher's child after exec: the same pid
c0=$(ticks "$cloud_pid"); w0=$(date +%s.%N)
java -Xmx512m -cp "$cp" io.nattery.cloud.bridge.bench.FanoutProbe "http://127.0.0.1:$http_port" NATTERY_BENCH_JWT \
  sim- "$width" "$devices" "$clients" "$per_client" "$seconds" >"$work/probe.json" 2>"$work/probe.log" \
  || { echo "the probe failed:"; tail -20 "$work/probe.log"; exit 1; }
c1=$(ticks "$cloud_pid"); w1=$(date +%s.%N)

echo "setup: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores shared, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "       devices=$devices at 1 Hz (all connected after ${connect_s}s, warm-up ${warmup}s); clients=$clients, each on"
echo "       fleet.summary and $per_client devices; window ${seconds}s (+5 s after the registrations); cloud JVM: $cloud_opts"
awk -v hz="$hz" -v w0="$w0" -v w1="$w1" -v c="$((c1 - c0))" -v crss="$(kb "$cloud_pid" VmRSS)" \
  -v chwm="$(kb "$cloud_pid" VmHWM)" 'BEGIN {
  printf "node: cpu %.0f%% of one core over the probe (setup included), rss %.0f MiB (peak %.0f MiB)\n",
    100*c/hz/(w1 - w0), crss/1024, chwm/1024
}'
python3 - "$work/probe.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
for name, key in (("telemetry", "telemetry_latency_ms"), ("fleet.summary", "summary_latency_ms")):
    l = r[key]
    print(f"{name}: {l['count']} deliveries ({l['per_s']}/s): p50 {l.get('p50')} ms, p99 {l.get('p99')} ms, max {l.get('max')} ms")
print(f"clients cut off or closed: {r['clients_closed']}, refusals: {r['refusals']}")
print("raw: " + json.dumps(r))
PY
