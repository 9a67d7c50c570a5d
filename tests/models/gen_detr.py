#!/usr/bin/python3
"""Exports the DETR variants the tests use into OUT (cached: an existing model
is kept). For each MODEL.onnx it also writes MODEL.stats.json, the counts the
onnx Python package computes (tools/onnx_stats.py), which `onnxc inspect
--json` must reproduce; tools/export_detr.py writes MODEL.inputs.npy and
MODEL.ref/ (PyTorch's outputs).

Small configurations always; the full-size ones (DETR-R50 at 800x1066,
opsets 12/17, the dynamic opset-13 export, R101-DC5 at 640x640, R50 on a
padded batch of two with its mask as an input) only when ONNXC_FULL_DETR=1."""
import os
import subprocess
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
EXPORT = os.path.join(ROOT, "tools", "export_detr.py")
STATS = os.path.join(ROOT, "tools", "onnx_stats.py")

TINY = ["--backbone", "resnet18", "--hidden-dim", "64", "--nheads", "4", "--enc-layers", "2",
        "--dec-layers", "2", "--dim-feedforward", "128", "--num-queries", "10",
        "--num-classes", "5", "--height", "128", "--width", "160"]

SMALL = {
    "tiny-op12": TINY,
    "tiny-op17": TINY + ["--opset", "17"],
    "tiny-op11-prenorm": TINY + ["--opset", "11", "--pre-norm"],
    "tiny-op13-dynamic": TINY + ["--opset", "13", "--dynamic", "--ref-batch", "2",
                                 "--ref-height", "96", "--ref-width", "128"],
    "tiny-op12-noaux-b2": TINY + ["--no-aux", "--batch", "2", "--seed", "3"],
    # padded batch: inputs and a bool padding mask, images of different sizes
    "tiny-op12-mask-b2": TINY + ["--mask-input", "--batch", "2", "--seed", "5"],
    "tiny-op13-mask-dynamic": TINY + ["--mask-input", "--opset", "13", "--dynamic", "--ref-batch", "3",
                                      "--ref-height", "96", "--ref-width", "136"],
    # the same weights as tiny-op13-dynamic (same seed), PyTorch's outputs at
    # other shapes: the references of a multi-shape compile (check_detr.py shapes)
    "tiny-op13-dynamic-128x96": TINY + ["--opset", "13", "--dynamic", "--ref-height", "128", "--ref-width", "96"],
    "tiny-op13-dynamic-160x128": TINY + ["--opset", "13", "--dynamic", "--ref-height", "160", "--ref-width", "128"],
}
FULL = {
    "r50-op12": [],
    "r50-op17": ["--opset", "17"],
    "r50-op13-dynamic": ["--opset", "13", "--dynamic", "--ref-batch", "2", "--ref-height", "512",
                         "--ref-width", "640"],
    "r101-dc5": ["--backbone", "resnet101", "--dilation", "--height", "640", "--width", "640", "--ref64"],
    "r50-prenorm": ["--pre-norm", "--ref64"],
    "r50-mask-b2": ["--mask-input", "--batch", "2", "--height", "512", "--width", "640"],
}


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    models = dict(SMALL)
    if os.environ.get("ONNXC_FULL_DETR", "0") == "1":
        models.update(FULL)
    for name, args in models.items():
        path = os.path.join(out, name + ".onnx")
        stats = os.path.join(out, name + ".stats.json")
        ref_done = os.path.join(out, name + (".ref64" if "--ref64" in args else ".ref"), "pred_boxes.npy")
        if not (os.path.exists(path) and os.path.exists(ref_done)):
            subprocess.run([sys.executable, EXPORT, "-o", path, "--quiet"] + args, check=True)
        if not os.path.exists(stats):
            with open(stats + ".tmp", "w") as f:
                subprocess.run([sys.executable, STATS, path], check=True, stdout=f)
            os.rename(stats + ".tmp", stats)
        print("ready:", path, flush=True)


if __name__ == "__main__":
    main()
