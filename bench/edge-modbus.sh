#!/usr/bin/env bash
# The edge's Modbus figures and its memory:
#  - for the shipped register map: requests and bytes per poll cycle against the minimum the map allows, and
#    the bus time at 9600 8N1 against the wire-time lower bound (3.5-character gaps counted);
#  - measured against pymodbus (RTU) on a socat pty pair: bytes per cycle, and the worst command latency
#    while the poller runs at full rate;
#  - the resident memory (VmRSS) of the edge JVM (nattery-edge.jar, -Xmx64m, in-process simulated inverter,
#    1 s polling, MQTT to localhost:1883 when a broker listens there) after RSS_MINUTES.
# Usage: bench/edge-modbus.sh [cycles=300] [commands=60] [rss_minutes=10]
# Needs socat and python3-pymodbus (apt-get install socat python3-pymodbus).
set -euo pipefail
cd "$(dirname "$0")/.."
cycles="${1:-300}"; commands="${2:-60}"; rss_minutes="${3:-10}"
classpath_file="$PWD/edge-verticles/target/bench.cp"
mvn -o -q -B -pl edge-verticles -am package -DskipTests dependency:build-classpath -Dmdep.outputFile="$classpath_file" >/dev/null
cp="$PWD/edge-verticles/target/classes:$PWD/edge-verticles/target/test-classes:$PWD/protocol/target/classes:$(cat "$classpath_file")"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores; java $(java -version 2>&1 | head -1)"

work="$(mktemp -d)"
edge_pid=""
cleanup() { [ -n "$edge_pid" ] && kill "$edge_pid" 2>/dev/null; rm -rf "$work"; }
trap cleanup EXIT
cat > "$work/edge.json" <<JSON
{"device_id": "bench-rss", "poll_interval_ms": 1000, "simulator": {"port": 0},
 "mqtt": {"host": "127.0.0.1", "port": 1883, "reconnect_max_ms": 10000},
 "store": {"dir": "$work/store"}}
JSON
java -Xmx64m -Dlogback.configurationFile=conf/edge-logback.xml -jar edge-verticles/target/nattery-edge.jar \
  --conf "$work/edge.json" > "$work/edge.log" 2>&1 &
edge_pid=$!
started=$(date +%s)

# from edge-verticles/, where the tests find the pymodbus server script
(cd edge-verticles && java -cp "$cp" \
  -Dlogback.configurationFile="$PWD/conf/edge-logback.xml" io.nattery.edge.bench.ModbusBusBench "$cycles" "$commands") \
  | grep -v " INFO \| WARN "

remaining=$(( rss_minutes * 60 - ($(date +%s) - started) ))
[ "$remaining" -gt 0 ] && { echo "waiting ${remaining} s for the edge JVM's ${rss_minutes}-minute mark"; sleep "$remaining"; }
kill -0 "$edge_pid" 2>/dev/null || { echo "the edge JVM died:"; tail -20 "$work/edge.log"; exit 1; }
rss_kb=$(awk '/VmRSS/ {print $2}' "/proc/$edge_pid/status")
hwm_kb=$(awk '/VmHWM/ {print $2}' "/proc/$edge_pid/status")
samples=$(grep -c "" "$work/edge.log" || true)
echo "edge JVM (-Xmx64m, simulator in-process) after ${rss_minutes} min: VmRSS $((rss_kb / 1024)) MiB, peak $((hwm_kb / 1024)) MiB; $(grep -c ERROR "$work/edge.log" || true) ERROR lines in its log"
