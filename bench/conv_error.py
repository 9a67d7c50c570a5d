#!/usr/bin/python3
"""Error of onnxc's direct and Winograd convolution against a float64 reference
(numpy) on the shapes of DETR-R50's 3x3 stride-1 layers (800x1066 input).

  /usr/bin/python3 bench/conv_error.py build/onnxc

Each layer becomes a one-node ONNX model, compiled twice (ONNXC_CONV_ALGO=direct
and =winograd) and run on ReLU'd Gaussian inputs with He-scaled weights."""
import numpy as np, subprocess, os, sys, tempfile, onnx
from onnx import helper, TensorProto, numpy_helper
ONNXC = os.path.abspath(sys.argv[1] if len(sys.argv) > 1 else "build/onnxc")
os.chdir(tempfile.mkdtemp(prefix="conv_error."))
def conv64(x, w):
    n, c, h, wd = x.shape; m = w.shape[0]
    xp = np.pad(x.astype(np.float64), ((0, 0), (0, 0), (1, 1), (1, 1)))
    y = np.zeros((n, m, h, wd))
    w64 = w.astype(np.float64)
    for a in range(3):
        for b in range(3):
            y += np.einsum('mc,nchw->nmhw', w64[:, :, a, b], xp[:, :, a:a + h, b:b + wd], optimize=True)
    return y
for (c, h, wd) in [(64, 200, 267), (128, 100, 134), (256, 50, 67), (512, 25, 34)]:
    rng = np.random.default_rng(c)
    # activations after ReLU (non-negative, as in the bottlenecks) and He-scaled weights
    x = np.maximum(rng.standard_normal((1, c, h, wd)), 0).astype(np.float32)
    w = (rng.standard_normal((c, c, 3, 3)) * np.sqrt(2.0 / (9 * c))).astype(np.float32)
    g = helper.make_graph([helper.make_node("Conv", ["x", "w"], ["y"], pads=[1, 1, 1, 1], kernel_shape=[3, 3])], "g",
                          [helper.make_tensor_value_info("x", TensorProto.FLOAT, [1, c, h, wd])],
                          [helper.make_tensor_value_info("y", TensorProto.FLOAT, None)], [numpy_helper.from_array(w, "w")])
    m = helper.make_model(g, opset_imports=[helper.make_opsetid("", 13)]); m.ir_version = 7
    onnx.save(m, "e.onnx"); np.save("ex.npy", x)
    ref = conv64(x, w)
    res = {}
    for algo in ("direct", "winograd"):
        env = dict(os.environ, ONNXC_CONV_ALGO=algo)
        subprocess.run([ONNXC, "compile", "e.onnx", "-o", "e_" + algo, "-q"], check=True, env=env)
        subprocess.run(["rm", "-rf", "eo"]); subprocess.run(["./e_" + algo, "--input", "x=ex.npy", "--output-dir", "eo", "--repeat", "1"], check=True, capture_output=True)
        y = np.load("eo/y.npy").astype(np.float64)
        e = np.abs(y - ref)
        res[algo] = (e.max(), e.max() / np.abs(ref).max())
    print(f"C=M={c} {h}x{wd}: |y|max {np.abs(ref).max():.3g}; " + "; ".join(
        f"{k}: max abs {v[0]:.3g}, max abs/|y|max {v[1]:.2g}" for k, v in res.items()), flush=True)
