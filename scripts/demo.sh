#!/bin/sh
# The main job, set-up included: installs the Debian packages, builds onnxc,
# compiles a DETR model to native code linked into examples/detr's
# detr_detect, and runs it on a bundled image: detections printed, written
# as JSON and drawn on a PNG, with the compile time and inference latency.
#
#   sh scripts/demo.sh [--r50] [--model M.onnx] [--image IMG] [--threshold X]
#                      [--classes NAMES] [--top N] [--input-shape inputs:1x3xHxW]
#
# The model: examples/shapes/shapes_detr.onnx (a small DETR trained on
# synthetic shapes) when it is there, with an image of examples/shapes/images/;
# otherwise (or with --r50) DETR-R50 (800x1066, opset 12) exported with
# PyTorch with seeded random weights (cached in build/detr/), run on
# examples/detr/images/street.jpg. Random weights detect nothing real: that
# path shows the pipeline, and also checks every output of the compiled
# model against PyTorch's on the export's reference input.
set -eu
cd "$(dirname "$0")/.."
JOBS=$(nproc 2>/dev/null || echo 2)

MODEL="" IMAGE="" THRESHOLD="" CLASSES="" SHAPE="" TOP="" R50=0
while [ $# -gt 0 ]; do
    case $1 in
    --r50) R50=1 ;;
    --model) MODEL=$2; shift ;;
    --image) IMAGE=$2; shift ;;
    --threshold) THRESHOLD=$2; shift ;;
    --classes) CLASSES=$2; shift ;;
    --top) TOP=$2; shift ;;
    --input-shape) SHAPE=$2; shift ;;
    *) echo "usage: sh scripts/demo.sh [--r50] [--model M.onnx] [--image IMG] [--threshold X]" \
            "[--classes NAMES] [--top N] [--input-shape inputs:1x3xHxW]" >&2; exit 2 ;;
    esac
    shift
done

sh scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$JOBS" --target onnxc

SHAPES=examples/shapes/shapes_detr.onnx
if [ -z "$MODEL" ] && [ $R50 -eq 0 ] && [ -f $SHAPES ]; then
    MODEL=$SHAPES
    [ -n "$IMAGE" ] || IMAGE=$(ls examples/shapes/images/*.jpg examples/shapes/images/*.png 2>/dev/null | head -n 1)
    [ -n "$CLASSES" ] || { [ -f examples/shapes/classes.txt ] && CLASSES=examples/shapes/classes.txt; } || true
    # the score threshold chosen on the validation images (examples/shapes/README.md)
    [ -n "$THRESHOLD" ] || THRESHOLD=0.9
fi
REF=""
if [ -z "$MODEL" ]; then
    MODEL=build/detr/detr-r50.onnx
    REF=build/detr/detr-r50.ref
    if [ ! -f $REF/pred_boxes.npy ]; then
        mkdir -p build/detr
        /usr/bin/python3 tools/export_detr.py -o "$MODEL"
    fi
    # random weights: every query sees about the same thing, with scores
    # around 0.3-0.45; show the few best
    [ -n "$THRESHOLD" ] || THRESHOLD=0.3
    [ -n "$TOP" ] || TOP=5
fi
[ -n "$IMAGE" ] || IMAGE=examples/detr/images/street.jpg
[ -n "$THRESHOLD" ] || THRESHOLD=0.7

echo
echo "== onnxc inspect -O $MODEL (what the optimizer did)"
build/onnxc inspect -O ${SHAPE:+--input-shape "$SHAPE"} "$MODEL" | sed -n '/^nodes/p;/^op histogram/,$p'
echo
OUT=build/demo
mkdir -p $OUT
echo "== examples/detr/build.sh $MODEL $OUT/detr_detect (onnxc compile --emit obj, linked with detr_detect)"
sh examples/detr/build.sh "$MODEL" $OUT/detr_detect ${SHAPE:+--input-shape "$SHAPE"}
echo
echo "== $OUT/detr_detect builtin --image $IMAGE (native, $JOBS threads)"
$OUT/detr_detect builtin --image "$IMAGE" --threshold "$THRESHOLD" ${CLASSES:+--classes "$CLASSES"} ${TOP:+--top "$TOP"} \
    --json $OUT/detections.json --png $OUT/detections.png --repeat 3
echo "wrote $OUT/detections.json and $OUT/detections.png"

[ -n "$REF" ] || exit 0
echo
echo "== the same compiled model on the export's input, compared with PyTorch"
# the standalone executable `onnxc compile` makes, linked from the same object
cc -o $OUT/detr $OUT/detr_detect.model.o build/runtime/onnxc_main.o build/runtime/libonnxc_rt.a -lm -lpthread
$OUT/detr --input inputs=$REF/inputs.npy --output-dir $OUT/out --force
/usr/bin/python3 - "$REF" $OUT/out <<'PY'
import os, sys
import numpy as np
ref, out = sys.argv[1], sys.argv[2]
bad = 0
for f in sorted(os.listdir(ref)):
    if f == "inputs.npy" or not f.endswith(".npy"):
        continue
    a, b = np.load(os.path.join(out, f)), np.load(os.path.join(ref, f))
    err = np.abs(a - b).max()
    ok = np.allclose(a, b, rtol=1e-3, atol=1e-4)
    bad += not ok
    print(f"compare {f[:-4]:<14} max abs {err:.3g}: {'ok' if ok else 'FAIL'}")
sys.exit(1 if bad else 0)
PY
