#!/usr/bin/python3
"""Checks the pictures `onnxc inspect` draws, from ctest.

  check_pictures.py ONNXC MODEL

MODEL: a DETR export (hierarchical node names). The memory-plan SVG must be
well-formed XML with one rectangle per planned tensor, placed where the
plan (`--memory --json`) puts it and titled with its name, size, offset and
lifetime, plus the arena and peak lines. The Graphviz output must nest its
clusters by node-name prefix up to --cluster-depth and hold every node once.
Names with markup and control characters must still give valid XML.
Exit status 0 only if every check holds."""
import json
import os
import re
import subprocess
import sys
import tempfile
import xml.etree.ElementTree as ET

SVG = "{http://www.w3.org/2000/svg}"
bad = 0


def check(cond, what):
    global bad
    print(("ok   " if cond else "FAIL ") + what)
    bad += not cond


def onnxc(*args, rc=0):
    r = subprocess.run([ONNXC] + list(args), capture_output=True, text=True)
    if r.returncode != rc:
        print(f"FAIL onnxc {' '.join(args)}: exit {r.returncode}, expected {rc}: {r.stderr.strip()}")
        sys.exit(1)
    return r


def linear(points, min_span):
    """The slope if every point lies on the line through the first (1%), else 0."""
    t0, p0 = points[0]
    slopes = [(p - p0) / (t - t0) for t, p in points[1:] if t - t0 >= min_span]
    if not slopes or max(slopes) - min(slopes) > 0.01 * abs(slopes[0]):
        return 0
    return slopes[0]


def check_svg(model, tmp, extra):
    out = os.path.join(tmp, "plan.svg")
    onnxc("inspect", model, "--memory", "--format=svg", "-o", out, *extra)
    plan = json.loads(onnxc("inspect", model, "--memory", "--json", *extra).stdout)["memory"]
    root = ET.parse(out).getroot()  # raises on malformed XML
    check(root.tag == SVG + "svg", f"{extra}: root element is <svg>")
    rects = [r for r in root.iter(SVG + "rect") if r.find(SVG + "title") is not None]
    check(len(rects) == len(plan["values"]), f"{extra}: {len(rects)} tensor rectangles for "
          f"{len(plan['values'])} planned tensors")
    # The plot maps bytes linearly to y: recover the scale from the rectangles
    # and check each one's lifetime, offset and size against the plan.
    by_name = {v["value"]: v for v in plan["values"]}
    x_of, y_of, wrong = {}, {}, 0
    for r in rects:
        title = r.find(SVG + "title").text
        name = title.split("\n")[0]
        v = by_name.get(name)
        if v is None or f"{v['bytes']} bytes" not in title or f"offset {v['offset']} " not in title or \
                f"from step {v['first']} to step {v['last']}" not in title:
            wrong += 1
            continue
        x, w = float(r.get("x")), float(r.get("width"))
        y, h = float(r.get("y")), float(r.get("height"))
        x_of.setdefault(v["first"], []).append(x)
        x_of.setdefault(v["last"] + 1, []).append(x + w)
        if v["bytes"] > plan["arena_bytes"] / 200:  # thin ones are drawn at least 1 px high
            y_of[v["offset"]] = y + h
            y_of[v["offset"] + v["bytes"]] = y
    check(wrong == 0, f"{extra}: every title names a planned tensor with its bytes, offset and lifetime "
          f"({wrong} do not)")
    check(all(max(xs) - min(xs) < 0.05 for xs in x_of.values()), f"{extra}: one x per node step")
    check(linear(sorted((t, xs[0]) for t, xs in x_of.items()), 10) > 0, f"{extra}: x is linear in the node step")
    check(linear(sorted(y_of.items()), plan["arena_bytes"] / 20) < 0,
          f"{extra}: y is linear in the offset, address 0 at the bottom")
    text = ET.tostring(root, encoding="unicode")
    arena = plan["arena_bytes"] / 1e6
    check(f"arena {arena:.1f} MB" in text, f"{extra}: arena line labelled {arena:.1f} MB")
    check(f"peak live (lower bound) {plan['lower_bound'] / 1e6:.1f} MB" in text, f"{extra}: peak line")
    check("offset (MB)" in text and "node step" in text, f"{extra}: axis labels")


def dot_clusters(path):
    """Returns {node id: [cluster labels, outermost first]} and the node names."""
    stack, where, names = [], {}, {}
    pending = False
    for line in open(path):
        s = line.strip()
        if s.startswith("subgraph cluster_"):
            pending = True
            stack.append(None)
        elif pending and s.startswith("label="):
            stack[-1] = re.match(r'label="([^"]*)"', s).group(1)
            pending = False
        elif s == "}" and stack:
            stack.pop()
        m = re.match(r'(n\d+) \[label=.*tooltip="((?:[^"\\]|\\.)*)"', s)
        if m:
            where.setdefault(m.group(1), []).append(list(stack))
            names[m.group(1)] = m.group(2)
    return where, names


def check_dot(model, tmp, depth, extra):
    out = os.path.join(tmp, "g.dot")
    args = ["inspect", model, "--format=dot", "-o", out] + extra
    if depth is not None:
        args.append(f"--cluster-depth={depth}")
    onnxc(*args)
    stats = json.loads(onnxc("inspect", model, "--json", *extra).stdout)
    nodes = stats["node_count"] - stats["op_histogram"].get("Constant", 0)  # Constant nodes are not drawn
    where, names = dot_clusters(out)
    tag = f"dot {' '.join(extra)} depth {depth}"
    check(len(where) == nodes and all(len(w) == 1 for w in where.values()),
          f"{tag}: {len(where)} of {nodes} nodes, each once")
    wrong = 0
    for n, [path] in where.items():
        comps = [c for c in names[n].split("/") if c][:-1]
        joined = "/".join(path)
        prefix = "/".join(comps[:depth if depth is not None else 5])
        # the clusters spell a prefix of the node's name, within the depth
        wrong += not (prefix + "/").startswith(joined + "/" if joined else "")
    check(wrong == 0, f"{tag}: clusters follow the name prefixes ({wrong} nodes misplaced)")
    return max((len(p[0]) for p in where.values()), default=0), len(set(tuple(p[0]) for p in where.values()))


def check_hostile_names(tmp):
    """Names with markup and control characters still give valid XML."""
    import onnx
    from onnx import helper, TensorProto
    x = helper.make_tensor_value_info("x", TensorProto.FLOAT, [4, 16])
    y = helper.make_tensor_value_info("y", TensorProto.FLOAT, [4, 16])
    nodes = [helper.make_node("Relu", ["x"], ['a&b<c>"d\x01'], name='/blk&</r"1'),
             helper.make_node("Neg", ['a&b<c>"d\x01'], ["t\u00e9"], name="/blk&</\x02n"),
             helper.make_node("Exp", ["t\u00e9"], ["e"]),  # no name
             helper.make_node("Sigmoid", ["e"], ["y"], name="/s")]
    m = helper.make_model(helper.make_graph(nodes, "g", [x], [y]), opset_imports=[helper.make_opsetid("", 13)])
    path = os.path.join(tmp, "names.onnx")
    onnx.save(m, path)
    out = os.path.join(tmp, "names.svg")
    onnxc("inspect", path, "--memory", "--format=svg", "-o", out)
    root = ET.parse(out).getroot()
    titles = [t.text for t in root.iter(SVG + "title")]
    check(any(t.startswith('a&b<c>"d\ufffd\nproduced by /blk&</r"1 (Relu)') for t in titles),
          "markup escaped, control character replaced, in a hover title")
    check(any(t.startswith("t\u00e9\n") for t in titles), "UTF-8 names kept")
    check(any(t.startswith("e\nproduced by node #2 (Exp)") for t in titles), "an unnamed producer by index")
    onnxc("inspect", path, "--format=svg", "-o", out, rc=2)  # svg needs --memory
    onnxc("inspect", path, "--format=dot", "--cluster-depth=x", "-o", out, rc=2)
    onnxc("inspect", path, "--format=svg", "--memory", rc=2)  # needs -o


def main():
    global ONNXC
    ONNXC, model = sys.argv[1], sys.argv[2]
    with tempfile.TemporaryDirectory() as tmp:
        check_svg(model, tmp, ["-O"])
        check_svg(model, tmp, ["-O", "--no-fuse"])  # more tensors, some in place
        for depth in (None, 0, 1, 3, 8):
            deepest, n = check_dot(model, tmp, depth, ["-O"])
            if depth == 0:
                check(n == 1 and deepest == 0, "depth 0: no clusters")
            if depth == 1:
                check(deepest <= 1 and n > 1, "depth 1: one level of clusters")
        deepest, n = check_dot(model, tmp, None, [])
        check(deepest >= 2, f"raw graph: nested clusters ({deepest} levels, {n} clusters)")
        check_hostile_names(tmp)
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
