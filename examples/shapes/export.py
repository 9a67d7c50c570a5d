#!/usr/bin/python3
"""Export a trained shapes DETR to ONNX and write its committed weights.

    /usr/bin/python3 examples/shapes/export.py /tmp/shapes_run/checkpoint.pth

Writes examples/shapes/shapes_detr.onnx (input `inputs` float32 1x3x128x128,
outputs pred_logits 1x10x4 and pred_boxes 1x10x4; opset 12, static shape) and
shapes_detr.pth, the float16 state dict evaluate.py rebuilds the PyTorch model
from. The weights are rounded to float16 before export, so the ONNX model and
the PyTorch model built from the .pth hold exactly the same float32 values.
"""

import argparse
import os
import sys
import warnings

import torch

HERE = os.path.dirname(os.path.abspath(__file__))
sys.path.insert(0, HERE)
import dataset  # noqa: E402
import model as shapes_model  # noqa: E402


def load(weights_path):
    """The PyTorch model for inference (frozen BN, no aux outputs) from a .pth (state dict or checkpoint)."""
    ck = torch.load(weights_path, map_location="cpu")
    sd = ck["model"] if "model" in ck else ck
    net = shapes_model.build(len(dataset.CLASSES), frozen_bn=True)
    net.load_state_dict({k: v.float() for k, v in sd.items()}, strict=True)
    net.aux_outputs = False
    return net.eval()


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("checkpoint")
    p.add_argument("-o", "--output", default=os.path.join(HERE, "shapes_detr.onnx"))
    p.add_argument("--opset", type=int, default=12)
    a = p.parse_args()
    ck = torch.load(a.checkpoint, map_location="cpu")
    sd = {k: (v.half() if v.is_floating_point() else v) for k, v in ck["model"].items()
          if not k.endswith("num_batches_tracked")}
    pth = os.path.splitext(a.output)[0] + ".pth"
    torch.save(sd, pth)
    net = load(pth)
    x = torch.zeros(1, 3, dataset.SIZE, dataset.SIZE)
    with torch.no_grad(), warnings.catch_warnings():
        warnings.simplefilter("ignore")
        torch.onnx.export(net, (x,), a.output, export_params=True, opset_version=a.opset,
                          do_constant_folding=True, input_names=["inputs"],
                          output_names=["pred_logits", "pred_boxes"])
    print("%s: %.2f MB, %s: %.2f MB (step %s)" % (a.output, os.path.getsize(a.output) / 1e6, pth,
                                                  os.path.getsize(pth) / 1e6, ck.get("step")))


if __name__ == "__main__":
    main()
