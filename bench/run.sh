#!/bin/sh
# The onnxc benchmark in one command: onnxc's compiled executable against ONNX
# Runtime 1.30 and PyTorch on DETR, interleaved, at 1 and 2 threads; the results
# are printed and appended to bench/RESULTS.md (see bench/bench.py for the method).
#
#   sh bench/run.sh                          DETR-R50 800x1066 opset 12, fp32, all engines
#   sh bench/run.sh --model r101-dc5         or r50-b2 (dynamic export at 2x512x640), small
#   sh bench/run.sh --model M.onnx --export-args '--opset 13'   an existing export
#   sh bench/run.sh --engines ort,torch --threads 2 --runs 20 --precision bf16 ...
#   sh bench/run.sh --help
#
# Installs what is missing first (idempotent): the Debian packages onnxc needs,
# Node.js and npm, onnxc itself in build/ (only if build/onnxc does not exist:
# rebuild it yourself after changing sources), and ONNX Runtime for Node in
# build/bench/ (`ONNXRUNTIME_NODE_INSTALL=skip npm install onnxruntime-node@1.30.0`:
# the npm package carries the CPU binding for linux-x64; the variable only skips
# the install script's download of the CUDA provider). Exported models, the
# executable, outputs and logs are kept in build/bench/.
set -eu
cd "$(dirname "$0")/.."

case " $* " in *" -h "*|*" --help "*) exec /usr/bin/python3 bench/bench.py --help ;; esac

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
sh scripts/install-deps.sh
if ! command -v node >/dev/null 2>&1 || ! command -v npm >/dev/null 2>&1; then
    export DEBIAN_FRONTEND=noninteractive
    $SUDO apt-get update -q
    $SUDO apt-get install -y -q --no-install-recommends nodejs npm
fi
if [ ! -x build/onnxc ]; then
    cmake -S . -B build -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
    cmake --build build -j "$(nproc 2>/dev/null || echo 2)" --target onnxc
fi
mkdir -p build/bench
exec /usr/bin/python3 bench/bench.py "$@"
