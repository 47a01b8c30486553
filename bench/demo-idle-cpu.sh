#!/usr/bin/env bash
# Idle CPU of the demo: starts `./nattery demo --devices N`, lets it settle, then reads the JVM's CPU time
# from /proc over a window and prints it as a share of one core. Loopback only; stops the demo at the end.
# Usage: bench/demo-idle-cpu.sh [devices=3] [window_s=60] [settle_s=20]
set -euo pipefail
cd "$(dirname "$0")/.."
devices=${1:-3}; window=${2:-60}; settle=${3:-20}
http_port=18480; mqtt_port=18483
log=$(mktemp)
./nattery demo --devices "$devices" --port "$http_port" --mqtt-port "$mqtt_port" --password bench-pass >"$log" 2>&1 &
launcher=$!
trap 'kill $launcher 2>/dev/null; wait $launcher 2>/dev/null; rm -f "$log"' EXIT
for _ in $(seq 1 120); do grep -q "ready in" "$log" && break; sleep 0.5; done
grep "ready in" "$log" || { echo "demo did not start:"; cat "$log"; exit 1; }
pid=$(pgrep -f "nattery.jar demo --devices $devices --port $http_port" | head -n1)
sleep "$settle"
# the embedded PostgreSQL runs as its own processes: count the postmaster started by this demo and its children
postmaster=$(pgrep -n -f "bin/postgres -D" || true)
procs() { echo "$pid"; [ -n "$postmaster" ] && { echo "$postmaster"; pgrep -P "$postmaster"; }; }
ticks() { for p in $(procs); do awk '{print $14 + $15}' "/proc/$p/stat" 2>/dev/null; done | awk '{s += $1} END {print s}'; }
hz=$(getconf CLK_TCK)
t0=$(ticks); s0=$(date +%s.%N)
sleep "$window"
t1=$(ticks); s1=$(date +%s.%N)
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$pid/status")
awk -v dt="$((t1 - t0))" -v hz="$hz" -v s0="$s0" -v s1="$s1" -v n="$devices" -v rss="$rss_kb" -v w="$window" \
  -v cores="$(nproc)" 'BEGIN {
  pct = 100 * (dt / hz) / (s1 - s0);
  printf "demo idle: devices=%d window=%ds cpu=%.2f%% of one core (JVM + embedded PostgreSQL) jvm_rss=%.0f MiB cores=%d\n", n, w, pct, rss/1024, cores
}'
