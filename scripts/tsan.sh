#!/bin/sh
# The runtime's threading under ThreadSanitizer: builds only what the runtime
# tests need (runtime/rt_*.c, the hand-written compiled model and
# tests/unit/test_runtime.c; a few seconds) with clang-19 -fsanitize=thread
# and runs the cases that use threads: the stress test (4 threads x 1,000
# runs, separate contexts, bit-identical results), identical results at
# 1-4 threads, the pool's task distribution. Any report fails the run.
#   scripts/tsan.sh
set -eu
cd "$(dirname "$0")/.."
CLANG=/usr/lib/llvm-19/bin/clang
B=build-tsan
mkdir -p $B
$CLANG -std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=thread -Iruntime -Itests/util \
    -DRT_MAIN_BIN='"/nonexistent"' -DRT_MAIN1_BIN='"/nonexistent"' -DRT_MAIN2_BIN='"/nonexistent"' \
    runtime/rt_*.c tests/unit/test_runtime.c tests/util/rt_test_model.c tests/util/testutil.c \
    -Wl,--wrap=malloc,--wrap=calloc,--wrap=realloc,--wrap=aligned_alloc,--wrap=posix_memalign \
    -lcunit -lpthread -lm -o $B/test_runtime_tsan
TU_FILTER=stress,threads_identical,pool_,run_results TSAN_OPTIONS="halt_on_error=1 exitcode=66" \
    $B/test_runtime_tsan
