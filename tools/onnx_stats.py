#!/usr/bin/python3
"""Print summary statistics of an ONNX model as one JSON object.

    /usr/bin/python3 tools/onnx_stats.py MODEL.onnx [--compact]

Computed with the `onnx` Python package only, as an independent oracle for
`onnxc inspect --json`. Weights are never read: the model is loaded with
load_external_data=False and sizes come from each initializer's dims and data
type, so models with external data work too.

Fields:
  ir_version        ModelProto.ir_version
  opsets            {domain: version}; the default domain ("" or "ai.onnx") is ""
  node_count        nodes of the top-level graph (subgraphs not counted)
  op_histogram      {op_type: count} over the top-level graph
  initializer_count dense + sparse initializers of the top-level graph
  parameter_count   sum of element counts (product of dims) of the initializers
  parameter_bytes   sum of element count x element size (strings: stored bytes)
  inputs, outputs   [{name, dtype, shape}], graph inputs that are not initializers;
                    dtype like float32/int64/bool, shape a list of ints and
                    strings (symbolic dims; null for an unknown dim), or null
                    when the shape is unknown
"""

import json
import sys

import onnx
from onnx import TensorProto

# TensorProto.DataType -> (name, bytes per element). Names follow numpy where numpy
# has the type; sizes for sub-byte types are rounded per element (none are packed
# in the formats this tool targets).
_DTYPES = {
    TensorProto.FLOAT: ("float32", 4),
    TensorProto.UINT8: ("uint8", 1),
    TensorProto.INT8: ("int8", 1),
    TensorProto.UINT16: ("uint16", 2),
    TensorProto.INT16: ("int16", 2),
    TensorProto.INT32: ("int32", 4),
    TensorProto.INT64: ("int64", 8),
    TensorProto.STRING: ("string", 0),
    TensorProto.BOOL: ("bool", 1),
    TensorProto.FLOAT16: ("float16", 2),
    TensorProto.DOUBLE: ("float64", 8),
    TensorProto.UINT32: ("uint32", 4),
    TensorProto.UINT64: ("uint64", 8),
    TensorProto.COMPLEX64: ("complex64", 8),
    TensorProto.COMPLEX128: ("complex128", 16),
    TensorProto.BFLOAT16: ("bfloat16", 2),
}
# Types added after onnx 1.12 (looked up by number so older packages still work).
for _num, _name, _size in ((17, "float8e4m3fn", 1), (18, "float8e4m3fnuz", 1),
                           (19, "float8e5m2", 1), (20, "float8e5m2fnuz", 1),
                           (21, "uint4", 1), (22, "int4", 1)):
    _DTYPES.setdefault(_num, (_name, _size))


def dtype_name(elem_type):
    if elem_type in _DTYPES:
        return _DTYPES[elem_type][0]
    if elem_type == TensorProto.UNDEFINED:
        return "undefined"
    return "type%d" % elem_type


def _numel(dims):
    n = 1
    for d in dims:
        n *= int(d)
    return n


def _tensor_size(t):
    """(element count, bytes) of a TensorProto, from dims and data_type alone."""
    n = _numel(t.dims)
    if t.data_type == TensorProto.STRING:
        return n, sum(len(s) for s in t.string_data)
    size = _DTYPES.get(t.data_type, (None, 0))[1]
    return n, n * size


def _value_info(vi):
    tp = vi.type
    kind = tp.WhichOneof("value")
    entry = {"name": vi.name}
    if kind == "tensor_type" or kind == "sparse_tensor_type":
        tt = getattr(tp, kind)
        entry["dtype"] = dtype_name(tt.elem_type)
        if tt.HasField("shape"):
            shape = []
            for d in tt.shape.dim:
                which = d.WhichOneof("value")
                if which == "dim_value":
                    shape.append(int(d.dim_value))
                elif which == "dim_param":
                    shape.append(d.dim_param)
                else:
                    shape.append(None)
            entry["shape"] = shape
        else:
            entry["shape"] = None
        if kind == "sparse_tensor_type":
            entry["sparse"] = True
    else:
        entry["dtype"] = kind or "undefined"
        entry["shape"] = None
    return entry


def stats(model):
    g = model.graph
    opsets = {}
    for imp in model.opset_import:
        dom = "" if imp.domain in ("", "ai.onnx") else imp.domain
        opsets[dom] = int(imp.version)

    hist = {}
    for node in g.node:
        hist[node.op_type] = hist.get(node.op_type, 0) + 1
    hist = dict(sorted(hist.items(), key=lambda kv: (-kv[1], kv[0])))

    init_names = set()
    count = 0
    nbytes = 0
    for t in g.initializer:
        init_names.add(t.name)
        n, b = _tensor_size(t)
        count += n
        nbytes += b
    for st in g.sparse_initializer:
        # A sparse initializer stands for a dense tensor of shape st.dims.
        init_names.add(st.values.name)
        n = _numel(st.dims)
        count += n
        nbytes += n * _DTYPES.get(st.values.data_type, (None, 0))[1]

    return {
        "ir_version": int(model.ir_version),
        "opsets": opsets,
        "node_count": len(g.node),
        "op_histogram": hist,
        "initializer_count": len(g.initializer) + len(g.sparse_initializer),
        "parameter_count": count,
        "parameter_bytes": nbytes,
        "inputs": [_value_info(v) for v in g.input if v.name not in init_names],
        "outputs": [_value_info(v) for v in g.output],
    }


def main(argv):
    args = [a for a in argv if not a.startswith("-")]
    flags = [a for a in argv if a.startswith("-")]
    if len(args) != 1 or any(f not in ("--compact",) for f in flags):
        print("usage: onnx_stats.py MODEL.onnx [--compact]", file=sys.stderr)
        return 2
    model = onnx.load(args[0], load_external_data=False)
    s = stats(model)
    if "--compact" in flags:
        print(json.dumps(s, separators=(",", ":")))
    else:
        print(json.dumps(s, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
