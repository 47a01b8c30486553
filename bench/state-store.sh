#!/usr/bin/env bash
# Telemetry samples per second into the device state store (Redis on localhost, see LocalServices; the in-process
# store as baseline), in batches with one in flight as DeviceStateVerticle sends them.
# Usage: bench/state-store.sh [devices=10000] [seconds=20] [batch=1000]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/classpath.sh
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores shared; redis $(redis-cli INFO server 2>/dev/null | grep -m1 redis_version | cut -d: -f2 | tr -d '\r')"
java -Xmx1g -Dlogback.configurationFile=cloud-verticles/src/test/resources/logback-test.xml \
  -cp "$cp" io.nattery.cloud.state.bench.StateStoreBench "${1:-10000}" "${2:-20}" "${3:-1000}"
