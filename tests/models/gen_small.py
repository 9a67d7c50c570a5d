#!/usr/bin/python3
"""Writes a few small valid models into OUTDIR for tests across onnxc:

  tiny_conv.onnx       Conv+Relu, MaxPool, Flatten, Gemm: x[1,3,8,8] -> y[1,10]
  matmul_softmax.onnx  MatMul+Add, Softmax(axis -1): x[2,4] -> y[2,5]
  multishape.onnx      x[1,3,h,w] -> Conv+Relu, Conv -> y[1,64,h,w], and the pixels as
                       tokens through MatMul+Add -> t[1,h*w,256] (multi-shape compiles);
                       multishape.inputs/x_HxW.npy for a few sizes

Weights come from a fixed seed, so the files are the same on every run.
Files that already exist are kept.

usage: gen_small.py OUTDIR   (Debian's /usr/bin/python3, with python3-onnx)"""
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
rng = np.random.default_rng(20240601)


def weight(name, *shape):
    return numpy_helper.from_array(rng.standard_normal(shape).astype(np.float32) * 0.5, name)


def save(name, nodes, x, y, inits):
    p = os.path.join(OUT, name)
    if os.path.exists(p):
        return
    g = helper.make_graph(nodes, name[:-5], [x], y if isinstance(y, list) else [y], inits)
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)], producer_name="gen_small")
    m.ir_version = 8
    onnx.checker.check_model(m)
    onnx.save(m, p)


n = helper.make_node
save("tiny_conv.onnx",
     [n("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
      n("Relu", ["c1"], ["r1"], name="relu1"),
      n("MaxPool", ["r1"], ["p1"], name="pool1", kernel_shape=[2, 2], strides=[2, 2]),
      n("Flatten", ["p1"], ["f1"], name="flat", axis=1),
      n("Gemm", ["f1", "w2", "b2"], ["y"], name="fc", transB=1)],
     helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, 8, 8]),
     helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 10]),
     [weight("w1", 4, 3, 3, 3), weight("b1", 4), weight("w2", 10, 64), weight("b2", 10)])

save("matmul_softmax.onnx",
     [n("MatMul", ["x", "w"], ["m"], name="mm"),
      n("Add", ["m", "b"], ["a"], name="bias"),
      n("Softmax", ["a"], ["y"], name="softmax", axis=-1)],
     helper.make_tensor_value_info("x", TensorProto.FLOAT, [2, 4]),
     helper.make_tensor_value_info("y", TensorProto.FLOAT, [2, 5]),
     [weight("w", 4, 5), weight("b", 5)])

save("multishape.onnx",
     [n("Conv", ["x", "w1", "b1"], ["c1"], name="conv1", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
      n("Relu", ["c1"], ["r1"], name="relu1"),
      n("Conv", ["r1", "w2", "b2"], ["y"], name="conv2", kernel_shape=[3, 3], pads=[1, 1, 1, 1]),
      n("Reshape", ["y", "tokens_shape"], ["f"], name="flatten"),
      n("Transpose", ["f"], ["tok"], name="to_tokens", perm=[0, 2, 1]),
      n("MatMul", ["tok", "w3"], ["m"], name="proj"),
      n("Add", ["m", "b3"], ["t"], name="proj_bias")],
     helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, 3, "h", "w"]),
     [helper.make_tensor_value_info("y", TensorProto.FLOAT, [1, 64, "h", "w"]),
      helper.make_tensor_value_info("t", TensorProto.FLOAT, [1, "hw", 256])],
     [weight("w1", 32, 3, 3, 3), weight("b1", 32), weight("w2", 64, 32, 3, 3), weight("b2", 64),
      numpy_helper.from_array(np.array([1, 64, -1], dtype=np.int64), "tokens_shape"),
      weight("w3", 64, 256), weight("b3", 256)])
ins = os.path.join(OUT, "multishape.inputs")
os.makedirs(ins, exist_ok=True)
for h, w in [(16, 20), (20, 16), (12, 12), (16, 16)]:
    p = os.path.join(ins, f"x_{h}x{w}.npy")
    if not os.path.exists(p):
        np.save(p, rng.standard_normal((1, 3, h, w)).astype(np.float32))
