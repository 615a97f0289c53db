#!/usr/bin/env bash
# run.sh [intake] [signals] [clients] [window]
# run.sh routing [seconds] [rate/s] [throughput signals] [window]
# run.sh monitoring [events]   (dashboard page and CSV export times over 1 000 000 trajectory events)
# Builds (release) and runs a benchmark against a throwaway PostgreSQL
# cluster of its own. Prints the figures next to baselines measured in the
# same run; not a test.
set -euo pipefail
cd "$(dirname "$0")/../.."
which=${1:-intake}; shift || true
bash deploy/dev/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$(nproc)" --target "bench_$which" >/dev/null
var=$(pwd)/build/benchvar
export KB_TEST_VAR=$var KB_TEST_PGDIR=$var/pg KB_BIN_DIR=$(pwd)/build/bin KB_SOURCE_DIR=$(pwd)
cmake --build build -j"$(nproc)" --target intake zorgtoewijzing >/dev/null
bash deploy/dev/pgcluster.sh start "$KB_TEST_PGDIR" >/dev/null
trap 'bash deploy/dev/pgcluster.sh stop "$KB_TEST_PGDIR" >/dev/null' EXIT
"build/bin/bench_$which" "$@" 2> "$var/bench_$which.log"
