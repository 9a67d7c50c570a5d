#!/bin/sh
# Installs every Debian 12 package onnxc needs to build, test, export DETR and
# run the examples. Idempotent: apt-get skips what is already installed.
# Run as root (or with sudo available). ONNX Runtime for the benchmarks is
# installed separately by bench/ (npm), since only the benchmark needs it.
set -eu

PKGS="build-essential cmake pkg-config git
protobuf-c-compiler libprotobuf-c-dev
libonnx-dev libonnx-testdata python3-onnx python3-numpy
llvm-19-dev clang-19 lld-19 libclang-rt-19-dev
libcunit1-dev
python3-torch python3-torchvision
libjpeg62-turbo-dev libpng-dev python3-pil
valgrind groff-base"

missing=""
for p in $PKGS; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
        missing="$missing $p"
    fi
done
[ -z "$missing" ] && exit 0

SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO="sudo"
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -q
# shellcheck disable=SC2086
$SUDO apt-get install -y -q --no-install-recommends $missing
