#!/usr/bin/python3
"""Writes the frontend's test models into OUTDIR: every malformed, hostile or
unsupported case the loader must refuse with a clear message, and the good
models that exercise each storage form (initializer encodings, external
data, symbolic dims, every attribute type). tests/unit/test_frontend.c holds
the expected status and message of each.

Some cases are raw protobuf bytes (onnx's Python API refuses to build them);
the external-data cases are folders holding model.onnx next to their data,
FIFOs, symlinks and hard links. Files that already exist are kept.

usage: gen_bad.py OUTDIR   (Debian's /usr/bin/python3, with python3-onnx)"""
import os
import random
import shutil
import sys

import numpy as np
import onnx
from onnx import TensorProto, helper, numpy_helper

OUT = sys.argv[1]
os.makedirs(OUT, exist_ok=True)
OPSET = [helper.make_opsetid("", 13)]


def path(name):
    return os.path.join(OUT, name)


def want(name):
    """True when NAME (file or case folder) still has to be written."""
    return not os.path.lexists(path(name))


def save(name, model):
    with open(path(name), "wb") as f:
        f.write(model.SerializeToString() if hasattr(model, "SerializeToString") else model)


def model(nodes, inputs, outputs, inits=(), opset=None, ir=8, value_info=()):
    g = helper.make_graph(nodes, "g", inputs, outputs, list(inits), value_info=list(value_info))
    m = helper.make_model(g, opset_imports=opset or OPSET, producer_name="gen_bad")
    m.ir_version = ir
    return m


def f32(name, shape):
    return helper.make_tensor_value_info(name, TensorProto.FLOAT, shape)


def identity_model(inits=(), ir=8, opset=None):
    return model([helper.make_node("Identity", ["x"], ["y"], name="id")], [f32("x", [2])],
                 [f32("y", [2])], inits, opset=opset, ir=ir)


# ---- raw protobuf encoding, for what onnx's API will not build ------------

def varint(n):
    out = bytearray()
    while True:
        b = n & 0x7F
        n >>= 7
        out.append(b | (0x80 if n else 0))
        if not n:
            return bytes(out)


def key(field, wt):
    return varint(field << 3 | wt)


def ld(field, payload):
    return key(field, 2) + varint(len(payload)) + payload


def vint(field, n):
    return key(field, 0) + varint(n)


MODEL_HEAD = vint(1, 8) + ld(8, vint(2, 13))  # ir_version 8, opset_import {version 13}


# ---- structure and budget ----------------------------------------------------

def gen_structure():
    good = identity_model([numpy_helper.from_array(np.arange(6, dtype=np.float32), "w")])
    data = good.SerializeToString()
    if want("truncated.onnx"):
        save("truncated.onnx", data[: len(data) * 2 // 3])
    if want("random.onnx"):
        save("random.onnx", random.Random(1234).randbytes(4096))
    if want("empty.onnx"):
        save("empty.onnx", b"")
    if want("deep.onnx"):
        g = ld(1, ld(4, b"Relu"))  # innermost graph: one node
        for _ in range(40):  # GraphProto > NodeProto > AttributeProto per level
            attr = ld(1, b"then_branch") + vint(20, 5) + ld(6, g)
            g = ld(1, ld(4, b"If") + ld(5, attr))
        save("deep.onnx", MODEL_HEAD + ld(7, g))
    if want("budget.onnx"):  # 4 M empty NodeProtos: 8 MB of file, ~760 MB unpacked
        save("budget.onnx", MODEL_HEAD + ld(7, b"\x0a\x00" * 4_000_000))
    if want("graph_twice.onnx"):
        g = ld(1, ld(4, b"Relu"))
        save("graph_twice.onnx", MODEL_HEAD + ld(7, g) + ld(7, g))
    if want("wire_type.onnx"):  # ir_version (a varint) sent length-delimited
        save("wire_type.onnx", ld(1, b"\x08") + ld(8, vint(2, 13)))
    if want("len_2g.onnx"):
        save("len_2g.onnx", MODEL_HEAD + key(7, 2) + varint(3 << 30) + b"\0" * 16)
    if want("long_varint.onnx"):
        save("long_varint.onnx", key(1, 0) + b"\xff" * 11 + b"\x01")
    if want("field_zero.onnx"):
        save("field_zero.onnx", MODEL_HEAD + key(0, 0) + b"\x01")
    if want("group.onnx"):
        save("group.onnx", MODEL_HEAD + key(9, 3) + key(9, 4))
    if want("no_graph.onnx"):
        save("no_graph.onnx", MODEL_HEAD)


# ---- tensors -------------------------------------------------------------

def raw_tensor(name, dtype, dims, raw):
    t = TensorProto(name=name, data_type=dtype, dims=dims)
    t.raw_data = raw
    return t


def gen_tensors():
    cases = {
        "raw_size.onnx": raw_tensor("W", TensorProto.FLOAT, [2, 3], b"\0" * 20),
        "neg_dim.onnx": raw_tensor("N", TensorProto.FLOAT, [2, -3], b""),
        "overflow.onnx": raw_tensor("O", TensorProto.FLOAT, [1 << 40, 1 << 40], b""),
        "string_tensor.onnx": helper.make_tensor("S", TensorProto.STRING, [2], [b"a", b"b"]),
        "rank9.onnx": raw_tensor("R", TensorProto.FLOAT, [1] * 9, b"\0" * 4),
        "float_count.onnx": TensorProto(name="F", data_type=TensorProto.FLOAT, dims=[2, 3],
                                        float_data=[1, 2, 3, 4, 5]),
        "int64_for_float.onnx": TensorProto(name="I", data_type=TensorProto.FLOAT, dims=[2],
                                            int64_data=[1, 2]),
        "no_data.onnx": TensorProto(name="E", data_type=TensorProto.FLOAT, dims=[3]),
        "complex.onnx": TensorProto(name="C", data_type=TensorProto.COMPLEX64, dims=[1],
                                    float_data=[1, 2]),
    }
    for name, t in cases.items():
        if want(name):
            save(name, identity_model([t]))


# ---- graph structure -------------------------------------------------------

def gen_graphs():
    n = helper.make_node
    if want("undefined_input.onnx"):
        save("undefined_input.onnx", model([n("Add", ["x", "nowhere"], ["y"], name="add0")],
                                           [f32("x", [2])], [f32("y", [2])]))
    if want("unnamed_undefined.onnx"):
        save("unnamed_undefined.onnx", model([n("Relu", ["x"], ["t"]), n("Relu", ["q"], ["y"])],
                                             [f32("x", [2])], [f32("y", [2])]))
    if want("produced_twice.onnx"):
        save("produced_twice.onnx", model([n("Relu", ["x"], ["y"], name="r1"),
                                           n("Relu", ["x"], ["y"], name="r2")],
                                          [f32("x", [2])], [f32("y", [2])]))
    if want("cycle.onnx"):
        save("cycle.onnx", model([n("Add", ["x", "b"], ["a"], name="ca"),
                                  n("Relu", ["a"], ["b"], name="cb")],
                                 [f32("x", [2])], [f32("b", [2])]))
    if want("out_of_order.onnx"):
        save("out_of_order.onnx", model([n("Relu", ["t2"], ["y"], name="last"),
                                         n("Neg", ["t1"], ["t2"], name="middle"),
                                         n("Abs", ["x"], ["t1"], name="first")],
                                        [f32("x", [2])], [f32("y", [2])]))
    if want("unknown_ops.onnx"):
        save("unknown_ops.onnx", model([n("FooOp", ["x"], ["a"], name="n1"),
                                        n("BarOp", ["a"], ["b"], name="n2"),
                                        n("BarOp", ["b"], ["c"], name="n3"),
                                        n("Baz", ["c"], ["y"], name="n4", domain="com.evil")],
                                       [f32("x", [2])], [f32("y", [2])],
                                       opset=OPSET + [helper.make_opsetid("com.evil", 1)]))
    if want("opset99.onnx"):
        save("opset99.onnx", identity_model(opset=[helper.make_opsetid("", 99)]))
    if want("irv99.onnx"):
        save("irv99.onnx", identity_model(ir=99))
    if want("no_opset.onnx"):
        save("no_opset.onnx", identity_model(opset=[helper.make_opsetid("com.other", 1)]))
    if want("output_missing.onnx"):
        save("output_missing.onnx", model([n("Relu", ["x"], ["y"], name="r")], [f32("x", [2])],
                                          [f32("y", [2]), f32("zz", [2])]))
    if want("sequence_input.onnx"):
        seq = helper.make_tensor_sequence_value_info("s", TensorProto.FLOAT, [2])
        save("sequence_input.onnx", model([n("Relu", ["x"], ["y"], name="r")], [f32("x", [2]), seq],
                                          [f32("y", [2])]))
    if want("evil_names.onnx"):
        evil = "%n%s%s\x1b[2J\x1b]0;pwned\x07"
        save("evil_names.onnx", model([n("Relu", [evil], ["y"], name="\x1b[31m%n%x")],
                                      [f32("x", [2])], [f32("y", [2])]))


def gen_attrs():
    n = helper.make_node
    if want("wrong_attr_type.onnx"):
        node = n("Transpose", ["x"], ["y"], name="tr", perm=[1, 0])
        node.attribute[0].type = onnx.AttributeProto.FLOAT
        save("wrong_attr_type.onnx", model([node], [f32("x", [2, 2])], [f32("y", [2, 2])]))
    if want("missing_attr_type.onnx"):
        node = n("Transpose", ["x"], ["y"], name="tr", perm=[1, 0])
        node.attribute[0].ClearField("type")
        save("missing_attr_type.onnx", model([node], [f32("x", [2, 2])], [f32("y", [2, 2])]))
    sub = helper.make_graph([n("Relu", ["a"], ["b"])], "sub", [f32("a", [2])], [f32("b", [2])])
    if want("graph_attr_known_op.onnx"):
        save("graph_attr_known_op.onnx", model([n("Relu", ["x"], ["y"], name="r", body=sub)],
                                               [f32("x", [2])], [f32("y", [2])]))
    if want("if_op.onnx"):
        cond = helper.make_tensor_value_info("c", TensorProto.BOOL, [])
        save("if_op.onnx", model([n("If", ["c"], ["y"], name="branch", then_branch=sub,
                                    else_branch=sub)], [cond], [f32("y", [2])]))


# ---- external data ---------------------------------------------------------

def ext_tensor(name, location, offset=None, length=None, dims=(2, 3)):
    t = TensorProto(name=name, data_type=TensorProto.FLOAT, dims=list(dims))
    t.data_location = TensorProto.EXTERNAL
    for k, v in (("location", location), ("offset", offset), ("length", length)):
        if v is not None:
            e = t.external_data.add()
            e.key, e.value = k, str(v)
    return t


def ext_case(name, tensors, setup=None):
    """A folder NAME holding model.onnx (initializers TENSORS) and w.bin;
    SETUP adds links, FIFOs and folders. model.onnx is written last, so an
    interrupted run starts the case over."""
    d = path(name)
    if os.path.lexists(os.path.join(d, "model.onnx")):
        return
    if os.path.lexists(d):
        shutil.rmtree(d)
    os.makedirs(d)
    with open(os.path.join(d, "w.bin"), "wb") as f:
        f.write(np.arange(16, dtype=np.float32).tobytes())
    if setup:
        setup(d)
    save(os.path.join(name, "model.onnx"), identity_model(tensors))


def gen_external():
    ext_case("ext_dotdot", [ext_tensor("W", "../w.bin", 0, 24)])
    ext_case("ext_abs", [ext_tensor("W", "/etc/passwd", 0, 24)])
    ext_case("ext_symlink", [ext_tensor("W", "link.bin", 0, 24)],
             lambda d: os.symlink("w.bin", os.path.join(d, "link.bin")))

    def symdir(d):
        os.makedirs(os.path.join(d, "real"))
        with open(os.path.join(d, "real", "w.bin"), "wb") as f:
            f.write(bytes(64))
        os.symlink("real", os.path.join(d, "sub"))
    ext_case("ext_symdir", [ext_tensor("W", "sub/w.bin", 0, 24)], symdir)
    ext_case("ext_past_end", [ext_tensor("W", "w.bin", 48, 24)])
    ext_case("ext_offset_overflow", [ext_tensor("W", "w.bin", (1 << 64) - 1, 24)])
    ext_case("ext_offset_nan", [ext_tensor("W", "w.bin", "18446744073709551616", 24)])
    ext_case("ext_length", [ext_tensor("W", "w.bin", 0, 20)])
    ext_case("ext_missing", [ext_tensor("W", "nothere.bin", 0, 24)])
    ext_case("ext_fifo", [ext_tensor("W", "fifo", 0, 24)],
             lambda d: os.mkfifo(os.path.join(d, "fifo")))
    ext_case("ext_dir", [ext_tensor("W", "adir", 0, 24)],
             lambda d: os.makedirs(os.path.join(d, "adir")))
    ext_case("ext_hardlink", [ext_tensor("W", "w.bin", 0, 24)],
             lambda d: os.link(os.path.join(d, "w.bin"), os.path.join(d, "w2.bin")))
    # good: one tensor at offset 0 (viewed in place), one at offset 6
    # (misaligned for float: copied), one without a length
    ext_case("good_ext", [ext_tensor("A", "w.bin", 0, 24), ext_tensor("B", "w.bin", 6, 8, dims=[2]),
                          ext_tensor("C", "./w.bin", 32, None, dims=[4])])


# ---- good models -----------------------------------------------------------

def gen_good_forms():
    if not want("good_forms.onnx"):
        return
    T = TensorProto
    ts = [
        numpy_helper.from_array(np.arange(6, dtype=np.float32).reshape(2, 3), "f_raw"),
        helper.make_tensor("f_data", T.FLOAT, [3], [1.5, -2.0, 3.25]),
        helper.make_tensor("i8", T.INT8, [4], [-128, -1, 0, 127]),
        helper.make_tensor("u8", T.UINT8, [2], [0, 255]),
        helper.make_tensor("i16", T.INT16, [2], [-32768, 32767]),
        helper.make_tensor("u16", T.UINT16, [2], [0, 65535]),
        helper.make_tensor("bools", T.BOOL, [3], [True, False, True]),
        TensorProto(name="f16", data_type=T.FLOAT16, dims=[2], int32_data=[0x3C00, 0xC000]),
        TensorProto(name="bf16", data_type=T.BFLOAT16, dims=[2], int32_data=[0x3F80, 0x4040]),
        helper.make_tensor("i32", T.INT32, [2], [-7, 1 << 30]),
        helper.make_tensor("i64", T.INT64, [3], [-(1 << 62), 0, (1 << 62)]),
        helper.make_tensor("dbl", T.DOUBLE, [2], [0.1, -1e300]),
        helper.make_tensor("u32", T.UINT32, [2], [0, (1 << 32) - 1]),
        helper.make_tensor("u64", T.UINT64, [2], [1, (1 << 64) - 1]),
        numpy_helper.from_array(np.array(2.5, dtype=np.float32), "scalar"),
        numpy_helper.from_array(np.zeros((0, 3), dtype=np.float32), "empty"),
        numpy_helper.from_array(np.array([1, -2], dtype=np.int64), "i64_raw"),
        numpy_helper.from_array(np.array([1.0, 2.0], dtype=np.float16), "f16_raw"),
    ]
    save("good_forms.onnx", identity_model(ts))


def raw_offset(data, payload):
    i = data.find(payload)
    assert i >= 0 and data.find(payload, i + 1) < 0
    return i


def gen_good_mapped():
    """Initializer 'aligned' has its raw_data at a 4-byte aligned file offset
    (the loader points into the mapping), 'misaligned' at an odd one (it
    copies). The model's doc_string (before the graph) and the first
    tensor's doc_string (after its raw_data) pad the layout until it is so."""
    if not want("good_mapped.onnx"):
        return
    a = np.arange(1024, dtype=np.float32)
    b = -np.arange(1024, dtype=np.float32) - 0.5
    m = identity_model([numpy_helper.from_array(a, "aligned"),
                        numpy_helper.from_array(b, "misaligned")])
    for _ in range(64):
        data = m.SerializeToString()
        oa, ob = raw_offset(data, a.tobytes()), raw_offset(data, b.tobytes())
        if oa % 4:
            m.doc_string += "_"
        elif ob % 4 != 1:
            m.graph.initializer[0].doc_string += "_"
        else:
            break
    assert oa % 4 == 0 and ob % 4 == 1
    save("good_mapped.onnx", m)


def gen_good_misc():
    n = helper.make_node
    if want("good_symdims.onnx"):
        x = helper.make_tensor_value_info("x", TensorProto.FLOAT, ["batch", 3, "H", None])
        y = helper.make_tensor_value_info("y", TensorProto.FLOAT, ["batch", 3, "H", None])
        t = helper.make_tensor_value_info("t", TensorProto.FLOAT, [1, 2])
        save("good_symdims.onnx", model([n("Relu", ["x"], ["t"], name="r"), n("Neg", ["t"], ["y"])],
                                        [x], [y], value_info=[t]))
    if want("good_attrs.onnx"):
        sub = helper.make_graph([n("Relu", ["a"], ["b"])], "sub", [f32("a", [2])], [f32("b", [2])])
        t1 = helper.make_tensor("t1", TensorProto.INT64, [2], [7, 8])
        t2 = helper.make_tensor("t2", TensorProto.FLOAT, [1], [0.5])
        sp = helper.make_sparse_tensor(helper.make_tensor("v", TensorProto.FLOAT, [1], [1.0]),
                                       helper.make_tensor("i", TensorProto.INT64, [1], [0]), [4])
        tp = onnx.AttributeProto(name="tp", type=onnx.AttributeProto.TYPE_PROTO)
        tp.tp.CopyFrom(helper.make_tensor_type_proto(TensorProto.FLOAT, [1]))
        node = n("Identity", ["x"], ["t"], name="id", f=0.25, i=-3, s=b"he\0llo", t=t1,
                 floats=[1.0, 2.5], ints=[1, -2, 3], strings=[b"a", b"bc"], tensors=[t1, t2],
                 sparse=sp, empty_ints=[])
        node.attribute.extend([tp])
        # empty_ints: make_attribute cannot type an empty list; declare INTS
        for a in node.attribute:
            if a.name == "empty_ints":
                a.type = onnx.AttributeProto.INTS
        custom = n("MyOp", ["t"], ["y"], name="custom", domain="my.domain", body=sub,
                   branches=[sub, sub])
        save("good_attrs.onnx", model([node, custom], [f32("x", [2])], [f32("y", [2])],
                                      opset=OPSET + [helper.make_opsetid("my.domain", 1)]))
    if want("good_init_input.onnx"):  # IR 3: initializers are listed as inputs too
        w = numpy_helper.from_array(np.ones(2, dtype=np.float32), "w")
        save("good_init_input.onnx", model([n("Add", ["x", "w"], ["y"], name="add")],
                                           [f32("x", [2]), f32("w", [2])], [f32("y", [2])], [w],
                                           ir=3, opset=[helper.make_opsetid("", 8)]))
    if want("good_no_nodes.onnx"):  # outputs straight from an input and an initializer
        w = numpy_helper.from_array(np.full(2, 3, dtype=np.float32), "w")
        save("good_no_nodes.onnx", model([], [f32("x", [2])], [f32("x", [2]), f32("w", [2])], [w]))
    if want("good_optional.onnx"):
        save("good_optional.onnx", model([n("Clip", ["x", "", "hi"], ["y"], name="clip"),
                                          n("Dropout", ["y"], ["z", ""], name="drop")],
                                         [f32("x", [2]), f32("hi", [])], [f32("z", [2])]))


def gen_tensor_files():
    """Lone TensorProto files, as in ONNX test data (onnx_read_tensor_pb)."""
    cases = {
        "tensor_ok.pb": helper.make_tensor("t", TensorProto.INT64, [2, 2], [1, -2, 3, 1 << 40]),
        "tensor_raw_size.pb": raw_tensor("r", TensorProto.FLOAT, [3], b"\0" * 8),
        "tensor_string.pb": helper.make_tensor("s", TensorProto.STRING, [1], [b"x"]),
        "tensor_ext.pb": ext_tensor("e", "w.bin", 0, 24),
    }
    for name, t in cases.items():
        if want(name):
            save(name, t)


def gen_good_big():
    """~64 MB of weights in 160 initializers, with Constant nodes and a
    Relu chain: the load-time and peak-memory check."""
    if not want("good_big.onnx"):
        return
    rng = np.random.default_rng(7)
    sizes = rng.integers(20000, 180000, 160)
    sizes = (sizes * (64e6 / 4 / sizes.sum())).astype(int)
    inits = [numpy_helper.from_array(np.full(s, i, dtype=np.float32), "w%d" % i)
             for i, s in enumerate(sizes)]
    n, nodes, prev = helper.make_node, [], "x"
    for i in range(1000):
        if i % 5 == 0:
            nodes.append(n("Constant", [], ["c%d" % i], name="k%d" % i,
                           value=numpy_helper.from_array(np.arange(4, dtype=np.int64))))
        else:
            nodes.append(n("Relu", [prev], ["t%d" % i], name="r%d" % i))
            prev = "t%d" % i
    save("good_big.onnx", model(nodes, [f32("x", [4])], [f32(prev, [4])], inits))


gen_structure()
gen_tensor_files()
gen_good_big()
gen_tensors()
gen_graphs()
gen_attrs()
gen_external()
gen_good_forms()
gen_good_mapped()
gen_good_misc()
