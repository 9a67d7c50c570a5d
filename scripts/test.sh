#!/bin/sh
# The whole test suite, set-up included: installs the Debian packages onnxc
# needs (idempotent), builds onnxc twice (optimized, and with ASan+UBSan),
# runs ctest in both, the runtime's threading tests under ThreadSanitizer
# (scripts/tsan.sh), then each fuzzer for a minute (scripts/fuzz.sh).
# Models exported at test time are cached in each build folder, so a second
# run is much faster.
#   scripts/test.sh              everything
#   SKIP_SANITIZE=1 scripts/test.sh   only the optimized build (no ASan, no TSan)
#   SKIP_FUZZ=1 / FUZZ_SECONDS=N     skip or lengthen the fuzz smoke (60 s each)
set -eu
cd "$(dirname "$0")/.."
ROOT=$(pwd)
JOBS=$(nproc 2>/dev/null || echo 2)

sh scripts/install-deps.sh

build_and_test() {
    dir=$1; shift
    cmake -S "$ROOT" -B "$dir" "$@" >/dev/null
    cmake --build "$dir" -j "$JOBS"
    ctest --test-dir "$dir" --output-on-failure -j "$JOBS"
}

start=$(date +%s)
build_and_test build -DCMAKE_BUILD_TYPE=RelWithDebInfo
if [ "${SKIP_SANITIZE:-0}" != 1 ]; then
    sh scripts/tsan.sh
    build_and_test build-asan -DCMAKE_BUILD_TYPE=Debug -DONNXC_SANITIZE=ON -DONNXC_FULL_DETR=OFF
fi
if [ "${SKIP_FUZZ:-0}" != 1 ]; then
    sh scripts/fuzz.sh "${FUZZ_SECONDS:-60}"
fi
echo "all tests passed in $(( $(date +%s) - start )) s"
