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
warmup=${WARMUP_S:-20}
. bench/lib/fleet.sh
start_fleet
sleep "$warmup"

hz=$(getconf CLK_TCK)
c0=$(ticks "$cloud_pid"); s0=$(ticks "$sim_pid"); m0=$(ticks "$mosquitto_pid"); w0=$(date +%s.%N)
java -Xmx1g -cp "$cp" io.nattery.cloud.fleet.bench.IngestProbe 127.0.0.1 "$mqtt_port" "http://127.0.0.1:$http_port" \
  NATTERY_BENCH_JWT sim- "$seconds" 10 100 >"$work/probe.json"
c1=$(ticks "$cloud_pid"); s1=$(ticks "$sim_pid"); m1=$(ticks "$mosquitto_pid"); w1=$(date +%s.%N)

print_setup
echo "       window=${seconds}s warmup=${warmup}s"
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
