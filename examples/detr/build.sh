#!/bin/sh
# Builds detr_detect with a DETR model linked in:
#
#     examples/detr/build.sh MODEL.onnx OUT [onnxc compile options...]
#     OUT builtin --image photo.jpg --png annotated.png
#
# compiles MODEL.onnx to an object with onnxc (OUT.model.o; the generated
# header detr.h lands beside it, unused), then compiles this folder's sources and links them with it
# and the onnxc runtime, libjpeg and libpng. Extra options go to
# `onnxc compile` (e.g. --input-shape inputs:1x3x480x640 for a dynamic
# export). Prints the model's compile time.
# Environment: ONNXC (the compiler, default build/onnxc), ONNXC_RUNTIME_DIR
# (libonnxc_rt.a and its headers, default build/runtime), CC, CFLAGS, LDFLAGS.
set -eu
HERE=$(cd "$(dirname "$0")" && pwd)
ROOT=$(cd "$HERE/../.." && pwd)
ONNXC=${ONNXC:-$ROOT/build/onnxc}
RT=${ONNXC_RUNTIME_DIR:-$ROOT/build/runtime}
CC=${CC:-cc}
if [ $# -lt 2 ]; then
    echo "usage: $0 MODEL.onnx OUT [onnxc compile options...]" >&2
    exit 2
fi
model=$1 out=$2
shift 2
for f in "$ONNXC" "$RT/libonnxc_rt.a" "$RT/onnxc_rt.h"; do
    [ -e "$f" ] || { echo "$0: $f not found: build onnxc first (cmake --build build)" >&2; exit 1; }
done
obj=$out.model.o

t0=$(date +%s%N)
"$ONNXC" compile "$model" -o "$obj" --emit obj --name detr "$@"
t1=$(date +%s%N)
echo "compile: $model -> native code in $(( (t1 - t0) / 1000000 )) ms"

# shellcheck disable=SC2086
$CC -std=c11 -O2 -Wall -Wextra ${CFLAGS:-} -I"$RT" -o "$out" \
    "$HERE/detr_detect.c" "$HERE/detect.c" "$HERE/image.c" "$HERE/draw.c" "$HERE/classes.c" \
    "$obj" "$RT/libonnxc_rt.a" ${LDFLAGS:-} $(pkg-config --libs libpng) -ljpeg -lm -lpthread -ldl
echo "linked: $out ($(du -h "$out" | cut -f1))"
