#!/usr/bin/env bash
# Ingest at fleet scale: one cloud node (`./nattery cloud`) and `./nattery simulate` against Mosquitto on this
# machine, then over a window: the rate at which the node's device state advanced, loss by seq and broker latency
# at a separate subscriber, publish-to-state latency for sampled devices (REST polls), and the CPU and resident
# memory of the node, the simulator and Mosquitto (from /proc).
# The node runs without telemetry history: `cloud` has no in-process QuestDB, and none is installed here.
# By default a private Mosquitto (same binary as the shared one, port $MQTT_PORT, no persistence) takes the
# load, so that 10,000 devices do not flood other users of the shared broker; BROKER_PORT=1883 uses the shared one.
# Usage: bench/ingest.sh [devices=10000] [rate=1] [seconds=300]
set -euo pipefail
cd "$(dirname "$0")/.."
devices=${1:-10000}; rate=${2:-1}; seconds=${3:-300}
# heaps are capped so that resident memory means something (uncapped, a JVM here may take 6 GB before collecting)
cloud_opts=${CLOUD_JAVA_OPTS:--Xmx1g}; sim_opts=${SIM_JAVA_OPTS:--Xmx512m}
http_port=${HTTP_PORT:-18580}; mqtt_port=${BROKER_PORT:-18583}; warmup=${WARMUP_S:-20}
run="bench_$(date +%s)_$$"
work=$(mktemp -d); pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  redis-cli --scan --pattern "$run:*" | xargs -r -n 500 redis-cli del >/dev/null 2>&1 || true
  psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $run WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
ulimit -n 20000

./nattery --version >/dev/null  # builds the jar when the sources changed
. bench/classpath.sh

mosquitto_pid=$(pgrep -x mosquitto | head -n1 || true)
if [ "$mqtt_port" != 1883 ]; then
  cat >"$work/mosquitto.conf" <<CONF
listener $mqtt_port 127.0.0.1
allow_anonymous true
persistence false
max_connections -1
sys_interval 1
# as the production broker (docker/mosquitto/mosquitto.conf): room for a node's share during a pause
max_inflight_messages 100
max_queued_messages 10000
CONF
  mosquitto -c "$work/mosquitto.conf" >"$work/mosquitto.log" 2>&1 &
  mosquitto_pid=$!; pids+=("$mosquitto_pid")
  sleep 1
fi

psql -q -h 127.0.0.1 -U postgres -d postgres -c "CREATE DATABASE $run" >/dev/null
export NATTERY_BENCH_JWT="bench-jwt-$(head -c 24 /dev/urandom | base64 | tr -d '/+=')"
cat >"$work/cloud.json" <<CONF
{
  "http": { "host": "127.0.0.1", "port": $http_port },
  "mqtt": { "host": "127.0.0.1", "port": $mqtt_port, "username": "nattery-cloud", "client_id": "cloud-$run",
            "clean_session": true, "shared_subscription": true, "share_group": "$run" },
  "postgres": { "host": "127.0.0.1", "port": 5432, "database": "$run", "user": "postgres", "pool_size": 4 },
  "jwt": { "secret_env": "NATTERY_BENCH_JWT", "issuer": "nattery", "audience": "nattery-api", "ttl_s": 7200 },
  "state": { "offline_after_s": 30 },
  "redis": { "host": "127.0.0.1", "port": 6379, "prefix": "$run" }
}
CONF
NATTERY_JAVA_OPTS="$cloud_opts" ./nattery cloud --conf "$work/cloud.json" >"$work/cloud.log" 2>&1 &
cloud_pid=$!; pids+=("$cloud_pid")
for _ in $(seq 1 120); do
  curl -fs "http://127.0.0.1:$http_port/health/ready" >/dev/null 2>&1 && break; sleep 0.5
done
curl -fs "http://127.0.0.1:$http_port/health/ready" >/dev/null || { echo "the node is not ready:"; tail -20 "$work/cloud.log"; exit 1; }
# the devices are provisioned, as an admin would over REST, straight into the run's registry
width=$(( ${#devices} > 5 ? ${#devices} : 5 ))
psql -q -h 127.0.0.1 -U postgres -d "$run" -c "INSERT INTO devices (device_id, site, model, rated_power_kw, capacity_kwh)
  SELECT 'sim-' || lpad(i::text, $width, '0'), 'bench', 'simulated', 5, 10 FROM generate_series(1, $devices) i" >/dev/null

NATTERY_JAVA_OPTS="$sim_opts" ./nattery simulate --devices "$devices" --rate "$rate" --broker "mqtt://127.0.0.1:$mqtt_port" --clean-session \
  --stats-json --stats-interval-s 5 >"$work/simulate.jsonl" 2>"$work/simulate.log" &
sim_pid=$!; pids+=("$sim_pid")
t_start=$(date +%s)
until [ -s "$work/simulate.jsonl" ] && tail -n1 "$work/simulate.jsonl" | grep -q "\"connected\":$devices,"; do
  kill -0 "$sim_pid" 2>/dev/null || { echo "simulate exited:"; tail -20 "$work/simulate.log"; exit 1; }
  [ $(( $(date +%s) - t_start )) -gt 180 ] && { echo "not all devices connected in 180 s:"; tail -3 "$work/simulate.log"; exit 1; }
  sleep 1
done
connect_s=$(( $(date +%s) - t_start ))
sleep "$warmup"

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK)
c0=$(ticks "$cloud_pid"); s0=$(ticks "$sim_pid"); m0=$(ticks "$mosquitto_pid"); w0=$(date +%s.%N)
java -Xmx1g -cp "$cp" io.nattery.cloud.fleet.bench.IngestProbe 127.0.0.1 "$mqtt_port" "http://127.0.0.1:$http_port" \
  NATTERY_BENCH_JWT sim- "$seconds" 10 100 >"$work/probe.json"
c1=$(ticks "$cloud_pid"); s1=$(ticks "$sim_pid"); m1=$(ticks "$mosquitto_pid"); w1=$(date +%s.%N)
kb() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }

echo "setup: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores shared, load $(cut -d' ' -f1-3 /proc/loadavg)"
echo "       devices=$devices rate=${rate}Hz window=${seconds}s warmup=${warmup}s, all connected after ${connect_s}s;" \
  "mosquitto $(mosquitto -h 2>&1 | head -1 | awk '{print $3}') on 127.0.0.1:$mqtt_port; one node, device state in Redis, no history store"
echo "       cloud JVM: $cloud_opts; simulate JVM: $sim_opts"
awk -v hz="$hz" -v w0="$w0" -v w1="$w1" -v c="$((c1 - c0))" -v s="$((s1 - s0))" -v m="$((m1 - m0))" \
  -v crss="$(kb "$cloud_pid" VmRSS)" -v chwm="$(kb "$cloud_pid" VmHWM)" -v srss="$(kb "$sim_pid" VmRSS)" \
  -v mrss="$(kb "$mosquitto_pid" VmRSS)" 'BEGIN {
  t = w1 - w0;
  printf "cpu (share of one core over the window): cloud %.0f%%, simulate %.0f%%, mosquitto %.0f%%\n", 100*c/hz/t, 100*s/hz/t, 100*m/hz/t;
  printf "rss: cloud %.0f MiB (peak %.0f MiB), simulate %.0f MiB, mosquitto %.0f MiB\n", crss/1024, chwm/1024, srss/1024, mrss/1024
}'
tail -n1 "$work/simulate.log"
python3 - "$work/probe.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
s, n = r["subscriber"], r["node"]
print(f"node ingest (device state's latest seq, summed over the fleet): {n['state_seq_advance_per_s']} msg/s;"
      f" {n['devices_with_telemetry']} devices with telemetry, {n['devices_online']} online")
st = n["state_latency_ms_upper_bound"]
print(f"publish -> state updated ({st.get('sampled_devices')} devices polled every {st['poll_ms']} ms, upper bound):"
      f" p50 {st.get('p50')} ms, p99 {st.get('p99')} ms, max {st.get('max')} ms over {st['count']} samples")
b = s["broker_latency_ms"]
print(f"subscriber on devices/+/telemetry: {s['delivered_per_s']} msg/s delivered, loss by seq {s['seq_gaps']} of"
      f" {s['received_total'] + s['seq_gaps']} ({s['loss_pct']}%), {s['seq_duplicates_or_reordered']} duplicate/reordered;"
      f" publish -> delivered p50 {b.get('p50')} ms, p99 {b.get('p99')} ms, max {b.get('max')} ms")
print(f"mosquitto dropped in the window ($SYS; to the node when the probe lost none): {r.get('broker_dropped_in_window')}")
print("raw: " + json.dumps(r))
PY
