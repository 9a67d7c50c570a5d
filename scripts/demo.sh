#!/bin/sh
# The main job, set-up included: installs the Debian packages, builds onnxc,
# exports the default DETR (ResNet-50, 800x1066, opset 12, seeded random
# weights) with PyTorch, inspects it, and runs it with onnxc's reference
# engine, comparing every output with PyTorch's. The export is cached in
# build/detr/.
set -eu
cd "$(dirname "$0")/.."
JOBS=$(nproc 2>/dev/null || echo 2)

sh scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$JOBS" --target onnxc

MODEL=build/detr/detr-r50.onnx
if [ ! -f build/detr/detr-r50.ref/pred_boxes.npy ]; then
    mkdir -p build/detr
    /usr/bin/python3 tools/export_detr.py -o "$MODEL"
fi
echo
echo "== onnxc inspect $MODEL"
build/onnxc inspect "$MODEL"
echo
echo "== onnxc run $MODEL (reference engine), compared with PyTorch"
build/onnxc run "$MODEL" --engine ref --input inputs=build/detr/detr-r50.ref/inputs.npy \
    --output-dir build/detr/out --compare build/detr/detr-r50.ref
