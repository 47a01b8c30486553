#!/usr/bin/env bash
# Settlement at fleet scale: the calculation, the PostgreSQL upsert (local PostgreSQL, see LocalServices), the
# QuestDB counter query (in-process QuestDB) and rendering a year of the revenue answer.
# Usage: bench/settlement.sh [devices=10000] [questdb_devices=1000] [sample_interval_s=10] [rounds=5]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/classpath.sh
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores shared"
java -Xmx2g -Dlogback.configurationFile=cloud-verticles/src/test/resources/logback-test.xml \
  -cp "$cp" io.nattery.cloud.settlement.bench.SettlementBench "${1:-10000}" "${2:-1000}" "${3:-10}" "${4:-5}"
