#!/usr/bin/env bash
# Contract checks per second on one core, with the JVM flag the launcher uses and without it.
# Usage: bench/validation.sh [rounds=5] [messages_per_round=100000]
set -euo pipefail
cd "$(dirname "$0")/.."
classpath_file="$PWD/protocol/target/bench.cp"
mvn -q -B -pl protocol test-compile dependency:build-classpath -Dmdep.outputFile="$classpath_file" >/dev/null
cp="protocol/target/classes:protocol/target/test-classes:$(cat "$classpath_file")"
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), pinned to core 0"
for flags in "" "-XX:-DontCompileHugeMethods"; do
  echo "--- java ${flags:-(default flags)}"
  taskset -c 0 java $flags -cp "$cp" io.nattery.protocol.bench.ValidationBench "${1:-5}" "${2:-100000}"
done
