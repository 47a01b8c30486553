#!/usr/bin/env bash
# The trading optimiser's figures: 10,000 devices x 96 quarter-hours on 2 threads, a one-year hourly
# full-horizon backtest, day-ahead against perfect foresight and a naive baseline, and the ojAlgo MILP
# as the alternative method. Prices are synthetic (seeded; see SyntheticPrices): no internet here.
# Usage: bench/optimiser.sh [devices=10000] [rounds=3] [seed=2025]
set -euo pipefail
cd "$(dirname "$0")/.."
. bench/classpath.sh
java -Xmx2g -cp "$cp" io.nattery.cloud.trading.OptimiserBench "${1:-10000}" "${2:-3}" "${3:-2025}"
