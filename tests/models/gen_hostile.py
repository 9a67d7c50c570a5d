#!/usr/bin/python3
"""Hostile models for the whole pipeline (issue: reliability): each is a
valid protobuf that asks for something absurd or out of range. Writes
OUT/NAME.onnx and OUT/cases.json: [{name, exit, expect}] where `exit` is the
exit status `onnxc inspect -O MODEL` must end with and `expect` a substring
of its output. tests/check_hostile.py runs them under a memory limit.
(The frontend's own malformed-protobuf and external-data cases live in
gen_bad.py.)"""
import json
import os
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

F = TensorProto.FLOAT
CASES = []


def vi(name, dims, dt=F):
    return helper.make_tensor_value_info(name, dt, dims)


def save(out, name, nodes, inputs, outputs, inits=(), opset=13, exit=1, expect="", opsets=None):
    g = helper.make_graph(nodes, name, inputs, outputs, initializer=list(inits))
    imports = opsets or [helper.make_opsetid("", opset)]
    m = helper.make_model(g, opset_imports=imports, producer_name="gen_hostile")
    m.ir_version = 8
    with open(os.path.join(out, name + ".onnx"), "wb") as f:
        f.write(m.SerializeToString())
    CASES.append({"name": name, "exit": exit, "expect": expect})


def i64(name, vals):
    return numpy_helper.from_array(np.array(vals, dtype=np.int64), name)


def conv(out, name, attrs, xdims, wdims, expect):
    w = numpy_helper.from_array(np.ones(wdims, np.float32), "w")
    save(out, name, [helper.make_node("Conv", ["x", "w"], ["y"], name="conv", **attrs)],
         [vi("x", xdims)], [vi("y", None)], [w], expect=expect)


def shape_cases(out):
    save(out, "reshape_negative", [helper.make_node("Reshape", ["x", "s"], ["y"], name="r")],
         [vi("x", [2, 3])], [vi("y", None)], [i64("s", [-2, 3])], expect="node 'r' (Reshape)")
    save(out, "reshape_mismatch", [helper.make_node("Reshape", ["x", "s"], ["y"], name="r")],
         [vi("x", [2, 3])], [vi("y", None)], [i64("s", [4, 2])], expect="node 'r' (Reshape)")
    save(out, "reshape_two_minus_one", [helper.make_node("Reshape", ["x", "s"], ["y"], name="r")],
         [vi("x", [2, 3])], [vi("y", None)], [i64("s", [-1, -1])], expect="node 'r' (Reshape)")
    data = numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3), "d")
    save(out, "gather_const_out_of_range",
         [helper.make_node("Gather", ["d", "i"], ["g"], name="gather", axis=0),
          helper.make_node("Add", ["g", "x"], ["y"], name="add")],
         [vi("x", [3])], [vi("y", None)], [data, i64("i", 7)], expect="node 'gather' (Gather)")
    save(out, "slice_const_out_of_range_clamps",
         [helper.make_node("Slice", ["x", "st", "en"], ["y"], name="slice")],
         [vi("x", [4, 4])], [vi("y", None)], [i64("st", [-100]), i64("en", [1 << 62])], exit=0,
         expect="nodes")
    save(out, "transpose_bad_perm", [helper.make_node("Transpose", ["x"], ["y"], name="t", perm=[0, 0])],
         [vi("x", [2, 3])], [vi("y", None)], expect="node 't' (Transpose)")
    save(out, "concat_axis_out_of_range", [helper.make_node("Concat", ["x", "x"], ["y"], name="c", axis=5)],
         [vi("x", [2, 3])], [vi("y", None)], expect="node 'c' (Concat)")
    save(out, "split_sizes_wrong", [helper.make_node("Split", ["x", "s"], ["a", "b"], name="sp", axis=0)],
         [vi("x", [4, 3])], [vi("a", None), vi("b", None)], [i64("s", [1, 7])], expect="node 'sp' (Split)")
    save(out, "squeeze_non_one", [helper.make_node("Squeeze", ["x", "a"], ["y"], name="sq")],
         [vi("x", [2, 3])], [vi("y", None)], [i64("a", [0])], expect="node 'sq' (Squeeze)")
    save(out, "unsqueeze_duplicate_axes", [helper.make_node("Unsqueeze", ["x", "a"], ["y"], name="u")],
         [vi("x", [2, 3])], [vi("y", None)], [i64("a", [0, 0])], expect="node 'u' (Unsqueeze)")
    save(out, "softmax_axis_out_of_range", [helper.make_node("Softmax", ["x"], ["y"], name="sm", axis=9)],
         [vi("x", [2, 3])], [vi("y", None)], expect="node 'sm' (Softmax)")
    save(out, "reducemean_axis_out_of_range",
         [helper.make_node("ReduceMean", ["x"], ["y"], name="rm", axes=[7])],
         [vi("x", [2, 3])], [vi("y", None)], expect="node 'rm' (ReduceMean)")
    save(out, "matmul_mismatch", [helper.make_node("MatMul", ["x", "z"], ["y"], name="mm")],
         [vi("x", [2, 3]), vi("z", [4, 5])], [vi("y", None)], expect="node 'mm' (MatMul)")
    save(out, "gemm_mismatch", [helper.make_node("Gemm", ["x", "z"], ["y"], name="gm")],
         [vi("x", [2, 3]), vi("z", [4, 5])], [vi("y", None)], expect="node 'gm' (Gemm)")
    save(out, "where_non_bool", [helper.make_node("Where", ["x", "x", "x"], ["y"], name="wh")],
         [vi("x", [2, 3])], [vi("y", None)], expect="node 'wh' (Where)")
    save(out, "broadcast_mismatch", [helper.make_node("Add", ["x", "z"], ["y"], name="add")],
         [vi("x", [2, 3]), vi("z", [4, 3])], [vi("y", None)], expect="cannot be broadcast")


def size_cases(out):
    # folding must not materialize 16 GB: it stays a run-time op
    save(out, "fold_multi_gb",
         [helper.make_node("ConstantOfShape", ["s"], ["big"], name="cos"),
          helper.make_node("Add", ["big", "x"], ["y"], name="add")],
         [vi("x", [1])], [vi("y", None)], [i64("s", [65536, 65536, 4])], exit=0, expect="ConstantOfShape")
    save(out, "expand_1e12", [helper.make_node("Expand", ["x", "s"], ["y"], name="ex")],
         [vi("x", [1])], [vi("y", None)], [i64("s", [1000000, 1000000])], expect="node 'ex' (Expand)")
    save(out, "tile_overflow", [helper.make_node("Tile", ["x", "r"], ["y"], name="tile")],
         [vi("x", [2, 2])], [vi("y", None)], [i64("r", [1 << 62, 1 << 62])], expect="node 'tile' (Tile)")
    big = numpy_helper.from_array(np.array([0.0], np.float32), "z")
    save(out, "range_huge", [helper.make_node("Range", ["a", "b", "c"], ["y"], name="range")],
         [], [vi("y", None)],
         [numpy_helper.from_array(np.array(0, np.int64), "a"), numpy_helper.from_array(np.array(1 << 62, np.int64), "b"),
          numpy_helper.from_array(np.array(1, np.int64), "c")], expect="node 'range' (Range)")
    save(out, "pad_huge", [helper.make_node("Pad", ["x", "p"], ["y"], name="pad")],
         [vi("x", [2, 2])], [vi("y", None)], [i64("p", [1 << 40, 0, 1 << 40, 0])], expect="node 'pad' (Pad)")
    save(out, "resize_huge_scales", [helper.make_node("Resize", ["x", "", "sc"], ["y"], name="rs")],
         [vi("x", [1, 1, 4, 4])], [vi("y", None)],
         [numpy_helper.from_array(np.array([1, 1, 1e9, 1e9], np.float32), "sc")], expect="node 'rs' (Resize)")
    save(out, "huge_declared_input", [helper.make_node("Relu", ["x"], ["y"], name="relu")],
         [vi("x", [1 << 40, 1 << 40])], [vi("y", None)], exit=0, expect="nodes")
    save(out, "zero_size_tensor", [helper.make_node("Relu", ["x"], ["y"], name="relu"), ], [vi("x", [0, 3])],
         [vi("y", None)], exit=0, expect="nodes")
    del big


def attr_cases(out):
    conv(out, "conv_kernel_larger_than_input", {}, [1, 1, 3, 3], [1, 1, 5, 5], "node 'conv' (Conv)")
    conv(out, "conv_group_zero", {"group": 0}, [1, 2, 5, 5], [2, 2, 3, 3], "node 'conv' (Conv)")
    conv(out, "conv_stride_zero", {"strides": [0, 0]}, [1, 1, 5, 5], [1, 1, 3, 3], "node 'conv' (Conv)")
    conv(out, "conv_dilation_negative", {"dilations": [-1, 1]}, [1, 1, 5, 5], [1, 1, 3, 3], "node 'conv' (Conv)")
    conv(out, "conv_channel_mismatch", {}, [1, 3, 5, 5], [1, 2, 3, 3], "node 'conv' (Conv)")
    save(out, "maxpool_stride_zero",
         [helper.make_node("MaxPool", ["x"], ["y"], name="mp", kernel_shape=[2, 2], strides=[0, 0])],
         [vi("x", [1, 1, 4, 4])], [vi("y", None)], expect="node 'mp' (MaxPool)")
    save(out, "cast_to_string", [helper.make_node("Cast", ["x"], ["y"], name="cast", to=TensorProto.STRING)],
         [vi("x", [2])], [vi("y", None)], expect="cast")


def graph_cases(out):
    n = 10000
    nodes = [helper.make_node("Relu", ["x" if i == 0 else "v%d" % (i - 1)], ["v%d" % i], name="r%d" % i)
             for i in range(n)]
    save(out, "chain_10000", nodes, [vi("x", [4])], [vi("v%d" % (n - 1), None)], exit=0, expect="nodes")
    nodes = [helper.make_node("Add", ["x" if i == 0 else "v%d" % (i - 1), "x"], ["v%d" % i], name="a%d" % i)
             for i in range(n)]
    save(out, "chain_10000_add", nodes, [vi("x", [4])], [vi("v%d" % (n - 1), None)], exit=0, expect="nodes")
    long = "n" * (1 << 20)
    save(out, "name_1mb", [helper.make_node("NoSuchOp", ["x"], ["y"], name=long)], [vi("x", [2])],
         [vi("y", None)], expect="unsupported op")
    bad = b"\xff\xfe\x80name".decode("latin-1")
    save(out, "non_utf8_name", [helper.make_node("Relu", ["x"], ["y"], name=bad)], [vi("x", [2])],
         [vi("y", None)], exit=0, expect="nodes")
    save(out, "opset_conflicting", [helper.make_node("Relu", ["x"], ["y"], name="r")], [vi("x", [2])],
         [vi("y", None)], opsets=[helper.make_opsetid("", 13), helper.make_opsetid("", 11)], expect="opset")
    save(out, "opset_repeated", [helper.make_node("Relu", ["x"], ["y"], name="r")], [vi("x", [2])],
         [vi("y", None)], opsets=[helper.make_opsetid("", 13), helper.make_opsetid("", 13)], exit=0,
         expect="nodes")  # the same import twice is harmless
    save(out, "output_not_produced", [helper.make_node("Relu", ["x"], ["y"], name="r")], [vi("x", [2])],
         [vi("nothing", None)], expect="nothing")


def main():
    out = sys.argv[1]
    os.makedirs(out, exist_ok=True)
    shape_cases(out)
    size_cases(out)
    attr_cases(out)
    graph_cases(out)
    with open(os.path.join(out, "cases.json"), "w") as f:
        json.dump(CASES, f, indent=1)
    print(len(CASES), "hostile models in", out)


if __name__ == "__main__":
    main()
