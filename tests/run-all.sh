#!/usr/bin/env bash
# run-all.sh — installs what is needed, builds ketenbus twice (release with
# -Werror, and ASan/UBSan) and runs every test in both builds, unit tests
# also under valgrind. Ends with ctest's summary.
set -euo pipefail
cd "$(dirname "$0")/.."
bash deploy/dev/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)

echo "== build: sanitizers (ASan + UBSan)"
cmake -S . -B build-asan -DKB_SANITIZE=ON -DCMAKE_BUILD_TYPE=Debug >/dev/null
cmake --build build-asan -j"$jobs"
echo "== build: release"
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j"$jobs"

# detect_leaks stays on: the daemons must free what they allocate
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1}
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-print_stacktrace=1:halt_on_error=1}
echo "== tests: sanitizer build"
(cd build-asan && ctest --output-on-failure --timeout 900 -E '^valgrind/')
echo "== tests: release build (with valgrind on the unit tests)"
cd build && ctest --output-on-failure --timeout 900
