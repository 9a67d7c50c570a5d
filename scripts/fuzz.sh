#!/bin/sh
# Builds the libFuzzer targets (clang-19, ASan + UBSan) and runs each one.
#   scripts/fuzz.sh [SECONDS_PER_TARGET]   (default 60: the CI smoke)
#   FUZZ_TARGETS="fuzz_tensor_pb" scripts/fuzz.sh 600   one target only
#   FUZZ_TIMEOUT=120 (default 10 s per unit): for runs at nice 19 on a busy machine,
#   where the wall-clock timeout would fire on a starved process, not a hang
# Corpora: tests/fuzz/corpus/<target>/ (seeds, kept small), grown in
# build-fuzz/corpus/<target>/. A crash leaves build-fuzz/crash-* and fails.
set -eu
cd "$(dirname "$0")/.."
SECS=${1:-60}
CLANG=/usr/lib/llvm-19/bin/clang
B=build-fuzz
mkdir -p $B/obj $B/corpus
CFLAGS="-std=c11 -D_GNU_SOURCE -g -O1 -fsanitize=fuzzer-no-link,address,undefined -fno-sanitize-recover=undefined"
INC="-Iir -Ipasses -Ifrontend -I$B/gen"
mkdir -p $B/gen
[ -f $B/gen/onnx.pb-c.c ] || protoc-c -I/usr/include/onnx --c_out=$B/gen /usr/include/onnx/onnx.proto
OBJS=""
for f in ir/*.c passes/*.c frontend/*.c $B/gen/onnx.pb-c.c; do
    o=$B/obj/$(echo "$f" | tr / _).o
    if [ ! -f "$o" ] || [ "$f" -nt "$o" ]; then
        $CLANG $CFLAGS $INC -w -c "$f" -o "$o"
    fi
    OBJS="$OBJS $o"
done
status=0
for t in ${FUZZ_TARGETS:-fuzz_model fuzz_tensor fuzz_tensor_pb}; do
    $CLANG $CFLAGS -fsanitize=fuzzer $INC tests/fuzz/$t.c $OBJS -lprotobuf-c -lm -lpthread -o $B/$t
    mkdir -p $B/corpus/$t
    seeds=tests/fuzz/corpus/$t
    echo "== $t for ${SECS}s"
    (cd $B && ./$t -max_total_time="$SECS" -rss_limit_mb=2048 -timeout="${FUZZ_TIMEOUT:-10}" -print_final_stats=1 \
        corpus/$t "../$seeds") || status=1
done
exit $status
