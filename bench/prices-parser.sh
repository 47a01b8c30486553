#!/usr/bin/env bash
# Time to parse an ENTSO-E day-ahead document of one day and of a year (one zone, PT15M), against a bare StAX pass
# over the same bytes measured in the same run. Usage: bench/prices-parser.sh [rounds=7]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/classpath.sh
echo "cpu: $(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | xargs), $(nproc) cores, load $(cut -d' ' -f1-3 /proc/loadavg), pinned to core 0"
taskset -c 0 java -Xmx512m -cp "$cp" io.nattery.cloud.prices.PriceParserBench "${1:-7}"
