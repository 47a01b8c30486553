# Sourced by the fleet benchmarks: one cloud node (`./nattery cloud`) with its own database and Redis prefix,
# `./nattery simulate` against a private Mosquitto (same binary as the shared one, no persistence, port
# $mqtt_port) so that 10,000 devices do not flood other users of the shared broker; BROKER_PORT=1883 uses the
# shared one. Everything started is stopped and removed on exit.
# Set before sourcing: devices, rate. Optional: CLOUD_JAVA_OPTS, SIM_JAVA_OPTS, HTTP_PORT, BROKER_PORT,
# $extra_config (JSON members added to the node's configuration, with a leading comma).
# After `start_fleet`: $run (database and key prefix), $work, $http_port, $mqtt_port, $cloud_pid, $sim_pid,
# $mosquitto_pid, $connect_s, $cp (class path of bench/classpath.sh), NATTERY_BENCH_JWT (the signing key's variable).
# heaps are capped so that resident memory means something (uncapped, a JVM here may take 6 GB before collecting)
cloud_opts=${CLOUD_JAVA_OPTS:--Xmx1g}; sim_opts=${SIM_JAVA_OPTS:--Xmx512m}
http_port=${HTTP_PORT:-18580}; mqtt_port=${BROKER_PORT:-18583}
run="bench_$(date +%s)_$$"
work=$(mktemp -d); pids=(); cleanups=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null || true; done
  for p in "${pids[@]}"; do wait "$p" 2>/dev/null || true; done
  for c in "${cleanups[@]}"; do eval "$c" >/dev/null 2>&1 || true; done
  cp "$work/cloud.log" /tmp/nattery-bench-cloud.log 2>/dev/null || true  # the last run's node log, for a look afterwards
  redis-cli --scan --pattern "$run:*" | xargs -r -n 500 redis-cli del >/dev/null 2>&1 || true
  psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS $run WITH (FORCE)" >/dev/null 2>&1 || true
  rm -rf "$work"
}
trap cleanup EXIT
ulimit -n 20000

ticks() { awk '{print $14 + $15}' "/proc/$1/stat"; }
kb() { awk -v k="$2" '$1 == k":" {print $2}' "/proc/$1/status"; }

start_fleet() {
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
# a cloud node's session must hold a fleet-wide burst (two acks per device when every device gets a schedule,
# on top of telemetry) while the node catches up: past this the broker drops messages it has already PUBACKed
max_queued_messages 200000
max_queued_bytes 268435456
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
  "postgres": { "host": "127.0.0.1", "port": 5432, "database": "$run", "user": "postgres", "pool_size": ${PG_POOL:-4} },
  "jwt": { "secret_env": "NATTERY_BENCH_JWT", "issuer": "nattery", "audience": "nattery-api", "ttl_s": 7200 },
  "state": { "offline_after_s": 30, "registry_sync_ms": ${registry_sync_ms:-30000} },
  "redis": { "host": "127.0.0.1", "port": 6379, "prefix": "$run" }${extra_config:-}
}
CONF
  NATTERY_JAVA_OPTS="$cloud_opts" ./nattery cloud --conf "$work/cloud.json" >"$work/cloud.log" 2>&1 &
  cloud_pid=$!; pids+=("$cloud_pid")
  for _ in $(seq 1 120); do
    curl -fs "http://127.0.0.1:$http_port/health/ready" >/dev/null 2>&1 && break; sleep 0.5
  done
  curl -fs "http://127.0.0.1:$http_port/health/ready" >/dev/null || { echo "the node is not ready:"; tail -20 "$work/cloud.log"; exit 1; }
  # the devices are provisioned, as an admin would over REST, straight into the run's registry
  local width=$(( ${#devices} > 5 ? ${#devices} : 5 ))
  psql -q -h 127.0.0.1 -U postgres -d "$run" -c "INSERT INTO devices (device_id, site, model, rated_power_kw, capacity_kwh)
    SELECT 'sim-' || lpad(i::text, $width, '0'), 'bench', 'simulated', 5, 10 FROM generate_series(1, $devices) i" >/dev/null
  sleep $(( ${registry_sync_ms:-30000} / 1000 + 1 ))  # the node's registry copy takes them at its next sync

  NATTERY_JAVA_OPTS="$sim_opts" ./nattery simulate --devices "$devices" --rate "$rate" --broker "mqtt://127.0.0.1:$mqtt_port" --clean-session \
    --stats-json --stats-interval-s 5 >"$work/simulate.jsonl" 2>"$work/simulate.log" &
  sim_pid=$!; pids+=("$sim_pid")
  local t_start=$(date +%s)
  until [ -s "$work/simulate.jsonl" ] && tail -n1 "$work/simulate.jsonl" | grep -q "\"connected\":$devices,"; do
    kill -0 "$sim_pid" 2>/dev/null || { echo "simulate exited:"; tail -20 "$work/simulate.log"; exit 1; }
    [ $(( $(date +%s) - t_start )) -gt 180 ] && { echo "not all devices connected in 180 s:"; tail -3 "$work/simulate.log"; exit 1; }
    sleep 1
  done
  connect_s=$(( $(date +%s) - t_start ))
}

# The setup lines every fleet benchmark prints first.
print_setup() {
  echo "setup: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores shared, load $(cut -d' ' -f1-3 /proc/loadavg)"
  echo "       devices=$devices rate=${rate}Hz, all connected after ${connect_s}s;" \
    "mosquitto $(mosquitto -h 2>&1 | head -1 | awk '{print $3}') on 127.0.0.1:$mqtt_port; one node, device state in Redis, no history store"
  echo "       cloud JVM: $cloud_opts; simulate JVM: $sim_opts"
}
