#!/usr/bin/python3
"""DETR end-to-end checks driven from ctest.

  check_detr.py inspect ONNXC MODELDIR   `onnxc inspect --json` equals the onnx
                                         package's counts for every model
  check_detr.py compile ONNXC MODEL [ARGS...]
                                         compiled to an executable, every output
                                         element within rtol 1e-3, atol 1e-4 of
                                         PyTorch's float32 outputs
  check_detr.py shapes ONNXC MODEL OTHER...
                                         MODEL compiled for the input shapes of
                                         its reference and of each OTHER's (the
                                         same model exported with references at
                                         other shapes) into one executable; each
                                         entry's outputs equal PyTorch's there
  check_detr.py run ONNXC MODEL [ENGINE [ARGS...]]
                                         the model's outputs equal PyTorch's
                                         (rtol 1e-3, atol 1e-4) via `onnxc run`
                                         (ARGS e.g. -O: the optimized graph)
Exit status 0 only if every check holds; each difference is printed."""
import json
import os
import subprocess
import sys
import tempfile
import time

KEYS = ["ir_version", "opsets", "node_count", "op_histogram", "initializer_count",
        "parameter_count", "parameter_bytes", "inputs", "outputs"]


def check_inspect(onnxc, model_dir):
    models = sorted(f for f in os.listdir(model_dir) if f.endswith(".onnx"))
    bad = 0
    for m in models:
        path = os.path.join(model_dir, m)
        want = json.load(open(path[:-5] + ".stats.json"))
        t = time.time()
        r = subprocess.run([onnxc, "inspect", "--json", path], capture_output=True, text=True)
        dt = time.time() - t
        if r.returncode != 0:
            print(f"FAIL {m}: exit {r.returncode}: {r.stderr.strip()}")
            bad += 1
            continue
        got = json.loads(r.stdout)
        diffs = [k for k in KEYS if got.get(k) != want.get(k)]
        for k in diffs:
            print(f"FAIL {m}: {k}: onnxc {json.dumps(got.get(k))[:400]} != onnx {json.dumps(want.get(k))[:400]}")
        bad += bool(diffs)
        if not diffs:
            print(f"ok   {m}: {got['node_count']} nodes, {got['initializer_count']} initializers, "
                  f"{got['parameter_count']} parameters, inspect {dt:.2f} s")
    if not models:
        print("no models found in", model_dir)
        return 1
    return 1 if bad else 0


INPUTS = ["inputs", "mask"]  # the graph inputs a reference folder may hold (mask: --mask-input exports)


def input_args(ref):
    """--input NAME=FILE for every model input saved in the reference folder."""
    args = []
    for n in INPUTS:
        f = os.path.join(ref, n + ".npy")
        if os.path.exists(f):
            args += ["--input", n + "=" + f]
    return args


def check_run(onnxc, model, engine="ref", *extra):
    stem = model[:-5]
    ref = stem + ".ref"
    with tempfile.TemporaryDirectory() as out:
        cmd = [onnxc, "run", model, "--engine", engine] + input_args(ref) + \
              ["--output-dir", out, "--compare", ref, "--rtol", "1e-3", "--atol", "1e-4"] + list(extra)
        t = time.time()
        r = subprocess.run(cmd, capture_output=True, text=True)
        print(r.stdout + r.stderr)
        print(f"{os.path.basename(model)}: exit {r.returncode} in {time.time() - t:.1f} s")
        return r.returncode


def compile_exe(onnxc, model, tmp, args):
    """TMP/model: MODEL compiled with the extra arguments ARGS; None if the
    compile failed."""
    exe = os.path.join(tmp, "model")
    t = time.time()
    r = subprocess.run([onnxc, "compile", model, "-o", exe] + args, capture_output=True, text=True)
    print(r.stderr.strip())
    if r.returncode:
        print(f"compile failed: exit {r.returncode}")
        return None
    print(f"compiled in {time.time() - t:.1f} s, {os.path.getsize(exe) / 1e6:.1f} MB")
    if os.environ.get("ONNXC_CONV_ALGO") == "winograd" and "Winograd" not in r.stderr:
        print("FAIL: ONNXC_CONV_ALGO=winograd but the compile report shows no Winograd convolution")
        return None
    return exe


def check_compiled(onnxc, model, *extra):
    """Compiles MODEL to an executable, runs it on the reference input and
    compares every output elementwise with PyTorch's float32 outputs
    (compare_outputs)."""
    stem = model[:-5]
    with tempfile.TemporaryDirectory() as tmp:
        out = compile_and_run(onnxc, model, tmp, extra)
        if out is None:
            return 1
        return compare_outputs(out, stem)


def compile_and_run(onnxc, model, tmp, extra):
    """Compiles MODEL at the shapes of the inputs in MODEL.ref/ (with the
    extra arguments EXTRA) into TMP and runs it on them; the output folder,
    or None (printed why)."""
    import numpy as np
    ref = model[:-5] + ".ref"
    shapes = []
    for n in INPUTS:
        f = os.path.join(ref, n + ".npy")
        if os.path.exists(f):
            shapes += ["--input-shape", n + ":" + "x".join(str(d) for d in np.load(f, mmap_mode="r").shape)]
    exe = compile_exe(onnxc, model, tmp, shapes + list(extra))
    if not exe:
        return None
    out = os.path.join(tmp, "out")
    r = subprocess.run([exe] + input_args(ref) + ["--output-dir", out, "--repeat", "2"],
                       capture_output=True, text=True)
    print(r.stdout + r.stderr)
    return None if r.returncode else out


def check_bf16(onnxc, model):
    """Compiled with --precision bf16 and run, against PyTorch: the arg-max
    class unchanged for every query whose top-1 logit leads its top-2 by
    more than 0.1 (issue 6's rule), and the logits differing from PyTorch's
    by more than fp32 rounding (1e-3: the fp32 build is within 1e-4), or the
    bf16 path was not taken. Issue 6's bounds (pred_logits 0.05, pred_boxes
    0.01) are judged on DETR-R50 by bench/ and only printed here: on this
    random-weight tiny model the box error is 0.009-0.019 depending only on
    the order of the fp32 sums feeding each bf16 rounding (measured on
    2026-11-24 across builds whose kernels pass the exact bf16 unit tests).
    Asserted instead: pred_boxes within 0.05 (boxes are in [0, 1]; the
    kernels' exactness is asserted by test_cg_dense's bf16 cases).
    Exit 77 (skipped) on a CPU without AVX512_BF16."""
    import numpy as np
    with open("/proc/cpuinfo") as f:
        if "avx512_bf16" not in f.read():
            print("no avx512_bf16 on this CPU: skipped")
            return 77
    ref = model[:-5] + ".ref"
    with tempfile.TemporaryDirectory() as tmp:
        out = compile_and_run(onnxc, model, tmp, ["--precision", "bf16"])
        if out is None:
            return 1
        lg, rlg = (np.load(os.path.join(d, "pred_logits.npy")) for d in (out, ref))
        bx, rbx = (np.load(os.path.join(d, "pred_boxes.npy")) for d in (out, ref))
    top2 = np.sort(rlg, axis=-1)[..., -2:]
    clear = (top2[..., 1] - top2[..., 0]) > 0.1
    flips = int(np.sum((lg.argmax(-1) != rlg.argmax(-1)) & clear))
    el, eb = float(np.abs(lg - rlg).max()), float(np.abs(bx - rbx).max())
    print(f"pred_logits max err {el:.3g} (issue 6 bound for R50: 0.05), class flips {flips} of "
          f"{int(clear.sum())} clear queries, pred_boxes max err {eb:.3g} (issue 6 bound for R50: 0.01; "
          f"asserted here: 0.05)")
    ok = flips == 0 and eb <= 0.05 and el > 1e-3
    print("ok" if ok else "FAIL")
    return 0 if ok else 1


def compare_outputs(out, stem):
    """Every output in OUT elementwise against PyTorch's float32 outputs in
    STEM.ref/: |a - b| <= 1e-4 + 1e-3 * |b| (numpy allclose). Prints per
    output the largest difference, the worst ratio of difference to
    tolerance and the failing count; when the export wrote STEM.ref64/ (a
    float64 forward), also how far onnxc and PyTorch-f32 each are from that
    truth. With ONNXC_CHECK_JUDGE=float64 the float64 truth is the judge
    instead (same tolerance), for random-weight models where PyTorch-f32 is
    itself about a tolerance away from it. Returns 1 on a difference."""
    import numpy as np
    ref = stem + ".ref"
    truth = stem + ".ref64" if os.path.isdir(stem + ".ref64") else None
    judge64 = os.environ.get("ONNXC_CHECK_JUDGE") == "float64"
    if judge64 and not truth:
        print(f"ONNXC_CHECK_JUDGE=float64 but {stem}.ref64 is missing: FAIL")
        return 1
    print("judge:", "the float64 truth" if judge64 else "PyTorch's float32 outputs")
    bad = 0
    for f in sorted(os.listdir(ref)):
        if f[:-4] in INPUTS or not f.endswith(".npy"):
            continue
        a, b = np.load(os.path.join(out, f)), np.load(os.path.join(truth if judge64 else ref, f))
        if a.shape != b.shape:
            print(f"compare {f[:-4]:<14} shape {a.shape} != PyTorch's {b.shape}: FAIL")
            bad += 1
            continue
        a, b = a.astype(np.float64), b.astype(np.float64)
        diff, tol = np.abs(a - b), 1e-4 + 1e-3 * np.abs(b)
        nbad = int((~(diff <= tol)).sum())
        bad += nbad > 0
        line = (f"compare {f[:-4]:<14} {str(a.shape):<16} max abs {diff.max():.3g}, worst diff/tol "
                f"{(diff / tol).max():.3f}, {nbad} of {a.size} past tolerance")
        if truth:
            t64 = np.load(os.path.join(truth, f)).astype(np.float64)
            p32 = np.load(os.path.join(ref, f)).astype(np.float64)
            line += (f" (vs float64 truth: onnxc {np.abs(a - t64).max():.3g}, PyTorch-f32 {np.abs(p32 - t64).max():.3g}"
                     f"; onnxc vs PyTorch-f32 worst diff/tol {(np.abs(a - p32) / (1e-4 + 1e-3 * np.abs(p32))).max():.3f})")
        print(line + (": FAIL" if nbad else ": ok"))
    return 1 if bad else 0


def check_shapes(onnxc, model, *others):
    """MODEL compiled once for the reference input shapes of MODEL and every
    OTHER; the executable runs each reference input (selecting its entry)
    and every output equals that reference."""
    import numpy as np
    stems = [model[:-5]] + [o[:-5] for o in others]
    shapes = ["x".join(str(d) for d in np.load(os.path.join(s + ".ref", "inputs.npy")).shape) for s in stems]
    with tempfile.TemporaryDirectory() as tmp:
        exe = compile_exe(onnxc, model, tmp, ["--input-shape", "inputs:" + ",".join(shapes)])
        if not exe:
            return 1
        bad = 0
        for stem, shape in zip(stems, shapes):
            out = os.path.join(tmp, "out-" + shape)
            r = subprocess.run([exe, "--input", "inputs=" + os.path.join(stem + ".ref", "inputs.npy"),
                                "--output-dir", out], capture_output=True, text=True)
            print(f"entry {shape}: exit {r.returncode}\n" + r.stdout + r.stderr)
            bad += 1 if r.returncode else compare_outputs(out, stem)
        return 1 if bad else 0


def main():
    mode = sys.argv[1]
    if mode == "inspect":
        sys.exit(check_inspect(sys.argv[2], sys.argv[3]))
    if mode == "compile":
        sys.exit(check_compiled(sys.argv[2], sys.argv[3], *sys.argv[4:]))
    if mode == "shapes":
        sys.exit(check_shapes(sys.argv[2], sys.argv[3], *sys.argv[4:]))
    if mode == "run":
        sys.exit(check_run(sys.argv[2], sys.argv[3], *sys.argv[4:]))
    if mode == "bf16":
        sys.exit(check_bf16(sys.argv[2], sys.argv[3]))
    sys.exit("usage: check_detr.py inspect|compile|shapes|bf16|run ...")


if __name__ == "__main__":
    main()
