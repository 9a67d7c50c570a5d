#!/bin/sh
# The main job, set-up included: installs the Debian packages, builds onnxc,
# exports the default DETR (ResNet-50, 800x1066, opset 12, seeded random
# weights) with PyTorch, shows what the optimizer makes of it, compiles it to
# a native executable and runs it, comparing every output with PyTorch's.
# The export is cached in build/detr/.
set -eu
cd "$(dirname "$0")/.."
JOBS=$(nproc 2>/dev/null || echo 2)

sh scripts/install-deps.sh
cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build -j "$JOBS" --target onnxc

MODEL=build/detr/detr-r50.onnx
REF=build/detr/detr-r50.ref
if [ ! -f $REF/pred_boxes.npy ]; then
    mkdir -p build/detr
    /usr/bin/python3 tools/export_detr.py -o "$MODEL"
fi
echo
echo "== onnxc inspect -O $MODEL (what the optimizer did)"
build/onnxc inspect -O "$MODEL" | sed -n '/^nodes/p;/^op histogram/,$p'
echo
echo "== onnxc compile $MODEL -o build/detr/detr"
build/onnxc compile "$MODEL" -o build/detr/detr
echo
echo "== build/detr/detr (native, $(nproc) threads), compared with PyTorch"
build/detr/detr --input inputs=$REF/inputs.npy --output-dir build/detr/out --force --repeat 5
/usr/bin/python3 - "$REF" build/detr/out <<'PY'
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
