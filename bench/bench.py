#!/usr/bin/python3
"""onnxc benchmark: the compiled executable against ONNX Runtime and PyTorch.

On one model and one input, at each thread count, runs three engines in
interleaved rounds (round i runs onnxc, then ONNX Runtime, then PyTorch, with
the order rotated every round) so that machine noise hits all of them alike,
and reports per engine the median, min and max latency, the ratio to ONNX
Runtime, peak RSS and the accuracy of the outputs against PyTorch's reference
outputs. Also: the compile time and size of the executable, the machine's peak
FMA throughput (bench/peak_flops.c), and from one ONNXC_PROFILE=1 run the
GFLOP/s of the slowest conv/GEMM nodes as a fraction of that peak. Results go to
stdout and are appended to bench/RESULTS.md. A failing engine becomes a row
that says why; the benchmark goes on with the others.

How each engine is timed (no process start, no weight loading in any figure):
  onnxc  the executable runs once per round with --repeat 1: it loads, runs one
         warm-up, then times one run with its own clock (the `median` line).
  ort    one long-lived `node bench/ort_bench.js --serve` per thread count;
         the session is built once, each round times session.run().
  torch  one long-lived `bench/torch_bench.py --serve` per thread count, the
         model re-created with tools/export_detr.py's code and export options;
         each timed round is one forward pass. It is slow, so it takes part in
         fewer rounds (--torch-runs, spread evenly over the rounds).

Run through bench/run.sh, which installs what is missing first. See --help.
"""

import argparse
import datetime
import hashlib
import json
import os
import platform
import re
import select
import shlex
import shutil
import signal
import statistics
import subprocess
import sys
import threading
import time

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
PY = "/usr/bin/python3"
ORT_VERSION = "1.30.0"

# Models the bench exports itself (tools/export_detr.py options), cached in build/bench/models.
PRESETS = {
    "r50": ([], "DETR-R50 1x3x800x1066, opset 12"),
    "r101-dc5": (["--backbone", "resnet101", "--dilation", "--height", "640", "--width", "640"],
                 "DETR-R101-DC5 1x3x640x640, opset 12"),
    "r50-b2": (["--opset", "13", "--dynamic", "--ref-batch", "2", "--ref-height", "512",
                "--ref-width", "640"],
               "DETR-R50 dynamic export (opset 13) bound to 2x3x512x640"),
    "small": (["--backbone", "resnet18", "--hidden-dim", "64", "--nheads", "4", "--enc-layers", "2",
               "--dec-layers", "2", "--dim-feedforward", "128", "--num-queries", "10",
               "--height", "128", "--width", "160"],
              "small DETR (ResNet-18, 2+2 layers) 1x3x128x160, for checking the harness"),
}
# The onnxc engines and the --precision each is compiled with.
ONNXC_PRECISION = {"onnxc": "fp32", "onnxc-bf16": "bf16"}
CONV_GEMM = re.compile(r"conv|gemm|matmul|linear|attention", re.I)


def log(msg):
    print("bench: " + msg, file=sys.stderr, flush=True)


def one_line(text, limit=160):
    """The last informative line of an error text, safe in a markdown table."""
    lines = [l.strip() for l in (text or "").splitlines() if l.strip()]
    # Usage errors end with a pointer to --help; the line before says what went wrong.
    while len(lines) > 1 and re.match(r"^(Try |\(see |usage:)", lines[-1]):
        lines.pop()
    s = lines[-1].rstrip(".") if lines else "no message"
    s = s.replace("|", "/")
    return s if len(s) <= limit else s[:limit - 3] + "..."


def sha256(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for block in iter(lambda: f.read(1 << 20), b""):
            h.update(block)
    return h.hexdigest()


def proc_status_kb(pid, field):
    try:
        with open("/proc/%d/status" % pid) as f:
            m = re.search(r"^%s:\s+(\d+) kB" % field, f.read(), re.M)
        return int(m.group(1)) if m else None
    except OSError:
        return None


def wait4_timeout(proc, timeout):
    """os.wait4 with a watchdog: (status, rusage, timed_out). Reaps proc."""
    fired = []

    def kill():
        fired.append(1)
        try:
            os.kill(proc.pid, signal.SIGKILL)
        except OSError:
            pass

    timer = threading.Timer(timeout, kill)
    timer.start()
    try:
        _, status, ru = os.wait4(proc.pid, 0)
    finally:
        timer.cancel()
    proc.returncode = os.waitstatus_to_exitcode(status)
    return proc.returncode, ru, bool(fired)


# ---- machine -------------------------------------------------------------------------

def machine_info():
    info = {"model": platform.processor() or "?", "cpus": os.cpu_count(), "flags": set()}
    try:
        out = subprocess.run(["lscpu"], capture_output=True, text=True, check=True).stdout
        kv = dict(l.split(":", 1) for l in out.splitlines() if ":" in l)
        kv = {k.strip(): v.strip() for k, v in kv.items()}
        info["model"] = kv.get("Model name", info["model"])
        info["cpus"] = kv.get("CPU(s)", info["cpus"])
        info["cores"] = int(kv.get("Core(s) per socket", "0")) * int(kv.get("Socket(s)", "1"))
        info["tpc"] = kv.get("Thread(s) per core", "?")
        info["flags"] = set(kv.get("Flags", "").split())
    except (OSError, subprocess.CalledProcessError, ValueError):
        pass
    with open("/proc/meminfo") as f:
        m = re.search(r"MemTotal:\s+(\d+) kB", f.read())
    info["mem_gib"] = int(m.group(1)) / 2**20 if m else 0
    info["kernel"] = platform.release()
    return info


def loadavg():
    with open("/proc/loadavg") as f:
        return float(f.read().split()[0])


def onnxc_version(onnxc):
    parts = []
    try:
        parts.append(subprocess.run([onnxc, "--version"], capture_output=True, text=True,
                                    timeout=30).stdout.strip())
    except (OSError, subprocess.TimeoutExpired):
        parts.append("onnxc ?")
    try:
        rev = subprocess.run(["git", "-C", ROOT, "rev-parse", "--short", "HEAD"],
                             capture_output=True, text=True, timeout=30).stdout.strip()
        dirty = subprocess.run(["git", "-C", ROOT, "status", "--porcelain", "--untracked-files=no"],
                               capture_output=True, text=True, timeout=30).stdout.strip()
        if rev:
            parts.append("git %s%s" % (rev, " + uncommitted changes" if dirty else ""))
    except (OSError, subprocess.TimeoutExpired):
        pass
    return ", ".join(parts)


def build_probe(bench_dir, name, cc, extra_srcs=(), flags=()):
    """bench/NAME.c (and extra sources) built into bench_dir when older than them:
    (path, None) or (None, why not)."""
    srcs = [os.path.join(ROOT, "bench", name + ".c")] + [os.path.join(ROOT, x) for x in extra_srcs]
    exe = os.path.join(bench_dir, name)
    if not os.path.exists(exe) or any(os.path.getmtime(exe) < os.path.getmtime(x) for x in srcs):
        cmd = [cc, "-O2", "-march=native", "-ffp-contract=fast", "-Wall", "-Wextra"] + list(flags) + srcs
        try:
            r = subprocess.run(cmd + ["-o", exe], capture_output=True, text=True)
        except OSError as e:
            return None, "%s.c does not build: %s" % (name, e)
        if r.returncode:
            return None, "%s.c does not build: %s" % (name, one_line(r.stderr))
    return exe, None


def peak_flops(bench_dir, threads):
    """{threads: GFLOP/s} from bench/peak_flops.c (built here), and the ISA line."""
    exe, why = build_probe(bench_dir, "peak_flops", "gcc", flags=["-pthread"])
    if not exe:
        return {}, why
    r = subprocess.run([exe] + [str(t) for t in threads], capture_output=True, text=True, timeout=600)
    if r.returncode:
        return {}, "peak_flops failed: " + one_line(r.stderr)
    peaks = {int(m.group(1)): float(m.group(2))
             for m in re.finditer(r"threads (\d+): ([\d.]+) GFLOP/s", r.stdout)}
    return peaks, r.stdout.splitlines()[0]


def mk_probe(bench_dir):
    """The lines of bench/mk_probe.c (the GEMM microkernel alone and in DETR-R50 node
    patterns, one thread), or one line saying why there are none."""
    exe, why = build_probe(bench_dir, "mk_probe", "clang-19", ["codegen/kernels/dense_mk.c"],
                           ["-I" + os.path.join(ROOT, "codegen", "kernels")])
    if not exe:
        return [why]
    try:
        r = subprocess.run([exe], capture_output=True, text=True, timeout=600)
    except (OSError, subprocess.TimeoutExpired) as e:
        return ["mk_probe failed: %s" % e]
    if r.returncode:
        return ["mk_probe failed: " + one_line(r.stderr)]
    return r.stdout.splitlines()


# ---- model and inputs ------------------------------------------------------------------

def export_preset(name, bench_dir):
    """build/bench/models/NAME.onnx (+ .ref/), exported unless cached with the same options
    by the same tools/export_detr.py. Returns (model path, export args)."""
    args, _ = PRESETS[name]
    models = os.path.join(bench_dir, "models")
    os.makedirs(models, exist_ok=True)
    path = os.path.join(models, name + ".onnx")
    sidecar = os.path.join(models, name + ".export.json")
    script = os.path.join(ROOT, "tools", "export_detr.py")
    want = {"export_args": args, "export_detr_sha256": sha256(script)}
    try:
        with open(sidecar) as f:
            have = json.load(f)
    except (OSError, ValueError):
        have = None
    if have == want and os.path.exists(path) and os.path.isdir(path[:-5] + ".ref"):
        return path, args
    log("exporting %s: tools/export_detr.py %s(about a minute for R50)"
        % (name, "".join(a + " " for a in args)))
    r = subprocess.run([PY, script, "-o", path, "--quiet"] + args)
    if r.returncode:
        raise SystemExit("bench: export of %s failed (exit %d)" % (name, r.returncode))
    with open(sidecar, "w") as f:
        json.dump(want, f)
    return path, args


def model_io(path):
    """Graph inputs [(name, dims with None for symbolic)] and output names."""
    import onnx
    m = onnx.load(path, load_external_data=False)
    inits = {i.name for i in m.graph.initializer}
    ins = [(v.name, [d.dim_value if d.HasField("dim_value") and d.dim_value > 0 else None
                     for d in v.type.tensor_type.shape.dim])
           for v in m.graph.input if v.name not in inits]
    return ins, [v.name for v in m.graph.output]


def resolve_inputs(a, ins, ref_dir):
    """{name: .npy path} from --input NAME=FILE, else the reference folder."""
    files = {}
    for spec in a.input or []:
        name, eq, file = spec.partition("=")
        if not eq:
            if len(ins) != 1:
                raise SystemExit("bench: --input needs NAME=FILE for a model with several inputs")
            name, file = ins[0][0], spec
        files[name] = os.path.abspath(file)
    for name, _ in ins:
        if name in files:
            continue
        cands = [os.path.join(ref_dir, name + ".npy")] if ref_dir else []
        if ref_dir and len(ins) == 1:
            cands.append(os.path.join(ref_dir, "inputs.npy"))
        found = [c for c in cands if os.path.exists(c)]
        if not found:
            raise SystemExit("bench: no input file for '%s' (give --input %s=FILE.npy)" % (name, name))
        files[name] = found[0]
    return files


# ---- engines -----------------------------------------------------------------------

class EngineError(Exception):
    pass


class Onnxc:
    """The compiled executable, one process per round (--repeat 1: its own timer)."""
    name = "onnxc"

    def __init__(self, exe, inputs, threads, timeout, logf):
        self.exe, self.inputs, self.threads, self.timeout, self.logf = exe, inputs, threads, timeout, logf
        self.peak_kb = 0
        self.version = ""
        self.setup_ms = None
        self.base_kb = None

    def start(self):
        pass

    def run(self, out_dir=None, profile=False, repeat=1):
        cmd = [self.exe, "--threads", str(self.threads), "--repeat", str(repeat)]
        for name, file in self.inputs.items():
            cmd += ["--input", "%s=%s" % (name, file)]
        if out_dir:
            os.makedirs(out_dir, exist_ok=True)
            cmd += ["--output-dir", out_dir, "--force"]
        env = dict(os.environ, ONNXC_NUM_THREADS=str(self.threads))
        env.pop("ONNXC_PROFILE", None)
        if profile:
            env["ONNXC_PROFILE"] = "1"
        out_path, err_path = self.logf + ".stdout", self.logf + ".stderr"
        with open(out_path, "w") as out, open(err_path, "w") as err:
            p = subprocess.Popen(cmd, stdout=out, stderr=err, stdin=subprocess.DEVNULL, env=env)
            rc, ru, timed_out = wait4_timeout(p, self.timeout)
        with open(out_path) as f:
            stdout = f.read()
        with open(err_path) as f:
            stderr = f.read()
        if timed_out:
            raise EngineError("run timed out after %d s" % self.timeout)
        if rc:
            raise EngineError("run failed (exit %d): %s" % (rc, one_line(stderr or stdout)))
        self.peak_kb = max(self.peak_kb, ru.ru_maxrss)
        m = re.search(r"^median ([\d.]+) ms", stdout, re.M)
        if not m:
            raise EngineError("no 'median' line in the executable's output")
        return (float(m.group(1)), stderr) if profile else float(m.group(1))

    def stop(self):
        return self.peak_kb


class Server:
    """A long-lived engine process answering "run [DIR]" lines with {"ms": ...}."""

    def __init__(self, name, cmd, env, threads, timeout, logf):
        self.name, self.cmd, self.env, self.threads = name, cmd, env, threads
        self.timeout, self.logf = timeout, logf
        self.proc, self.err, self.buf = None, None, b""
        self.version, self.setup_ms, self.base_kb, self.peak_kb = "", None, None, None

    def _line(self, timeout):
        deadline = time.monotonic() + timeout
        while True:
            nl = self.buf.find(b"\n")
            if nl >= 0:
                line, self.buf = self.buf[:nl], self.buf[nl + 1:]
                text = line.decode("utf-8", "replace").strip()
                if text.startswith("{"):
                    return json.loads(text)
                continue
            left = deadline - time.monotonic()
            if left <= 0:
                raise EngineError("no answer within %d s" % timeout)
            r, _, _ = select.select([self.proc.stdout], [], [], left)
            if r:
                chunk = os.read(self.proc.stdout.fileno(), 65536)
                if not chunk:
                    raise EngineError("process exited: %s" % self._stderr_tail())
                self.buf += chunk

    def _stderr_tail(self):
        try:
            with open(self.logf + ".stderr", errors="replace") as f:
                return one_line(f.read())
        except OSError:
            return "no message"

    def start(self):
        self.err = open(self.logf + ".stderr", "w")
        try:
            self.proc = subprocess.Popen(self.cmd, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                                         stderr=self.err, env=self.env, cwd=ROOT)
        except OSError as e:
            raise EngineError("cannot start %s: %s" % (self.cmd[0], e))
        msg = self._line(self.timeout)
        if "error" in msg:
            raise EngineError(msg["error"])
        self.version = msg.get("version", "")
        self.setup_ms = msg.get("load_ms")
        self.base_kb = msg.get("base_rss_kb")

    def run(self, out_dir=None):
        if self.proc.poll() is not None:
            raise EngineError("process exited: %s" % self._stderr_tail())
        self.proc.stdin.write(("run %s\n" % out_dir if out_dir else "run\n").encode())
        self.proc.stdin.flush()
        msg = self._line(self.timeout)
        if "error" in msg:
            raise EngineError("run failed: " + msg["error"])
        return float(msg["ms"])

    def stop(self):
        if self.proc is None:
            if self.err:
                self.err.close()
            return None
        if self.proc.poll() is None:
            self.peak_kb = proc_status_kb(self.proc.pid, "VmHWM")
            try:
                self.proc.stdin.write(b"quit\n")
                self.proc.stdin.close()
            except OSError:
                pass
            try:
                self.proc.wait(timeout=60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        self.err.close()
        return self.peak_kb


def make_ort(a, model, inputs, threads, logf, bench_dir):
    cmd = ["node", os.path.join(ROOT, "bench", "ort_bench.js"), "--model", model,
           "--threads", str(threads), "--serve"]
    for name, file in inputs.items():
        cmd += ["--input", "%s=%s" % (name, file)]
    env = dict(os.environ, NODE_PATH=os.path.join(bench_dir, "node_modules"))
    return Server("ort", cmd, env, threads, a.timeout, logf)


def make_torch(a, export_args, inputs, threads, logf):
    if len(inputs) != 1:
        raise EngineError("the PyTorch engine takes DETR's single input")
    cmd = [PY, os.path.join(ROOT, "bench", "torch_bench.py"), "--export-args", json.dumps(export_args),
           "--input", list(inputs.values())[0], "--threads", str(threads), "--serve"]
    env = dict(os.environ, OMP_NUM_THREADS=str(threads))
    return Server("torch", cmd, env, threads, a.timeout, logf)


# ---- ONNX Runtime install ---------------------------------------------------------------

def ensure_ort(bench_dir):
    """None when onnxruntime-node ORT_VERSION with its CPU binding loads, else why not.
    The npm package ships the CPU binding for linux-x64 (bin/napi-v6/linux/x64/);
    ONNXRUNTIME_NODE_INSTALL=skip only skips its install script, which would
    download the CUDA provider."""
    mods = os.path.join(bench_dir, "node_modules")
    pkg = os.path.join(mods, "onnxruntime-node", "package.json")
    arch = {"x86_64": "x64", "aarch64": "arm64"}.get(platform.machine(), platform.machine())
    binding = os.path.join(mods, "onnxruntime-node", "bin", "napi-v6", "linux", arch,
                           "onnxruntime_binding.node")
    if not shutil.which("node") or not shutil.which("npm"):
        return "node/npm not installed (apt-get install nodejs npm; bench/run.sh does it)"

    def have():
        try:
            with open(pkg) as f:
                return json.load(f).get("version") == ORT_VERSION and os.path.exists(binding)
        except (OSError, ValueError):
            return False

    if not have():
        log("installing onnxruntime-node@%s in %s" % (ORT_VERSION, bench_dir))
        if not os.path.exists(os.path.join(bench_dir, "package.json")):
            with open(os.path.join(bench_dir, "package.json"), "w") as f:
                f.write('{"name": "onnxc-bench", "private": true}\n')
        env = dict(os.environ, ONNXRUNTIME_NODE_INSTALL="skip")
        r = subprocess.run(["npm", "install", "--no-audit", "--no-fund",
                            "onnxruntime-node@" + ORT_VERSION], cwd=bench_dir, env=env,
                           capture_output=True, text=True)
        if r.returncode:
            return "npm install onnxruntime-node@%s failed: %s" % (ORT_VERSION, one_line(r.stderr))
        if not have():
            return "onnxruntime-node installed without its CPU binding %s" % binding
    r = subprocess.run(["node", "-e", "require('onnxruntime-node')"], capture_output=True, text=True,
                       env=dict(os.environ, NODE_PATH=mods))
    if r.returncode:
        return "onnxruntime-node does not load: " + one_line(r.stderr)
    return None


# ---- onnxc compile -------------------------------------------------------------------

def product_flops(onnxc, model, compile_cmd):
    """The flops of the products the compiled kernels run (Winograd's in the transformed
    domain), from `onnxc inspect --kernels --json` with the compile's shapes and precision;
    None if inspect fails."""
    cmd = [onnxc, "inspect", model, "--kernels", "--json"]
    for i, c in enumerate(compile_cmd):
        if c in ("--input-shape", "--precision", "--keep-fp32") and i + 1 < len(compile_cmd):
            cmd += [c, compile_cmd[i + 1]]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=600)
        return float(json.loads(r.stdout)["kernels"]["product_flops"]) if r.returncode == 0 else None
    except (OSError, subprocess.TimeoutExpired, ValueError, KeyError):
        return None


def compile_onnxc(a, model, ins, inputs, exe, logf, precision):
    """Compiles; returns a dict with seconds, peak RSS, sizes and the compiler's summary,
    or raises EngineError."""
    onnxc = a.onnxc
    if not os.path.exists(onnxc):
        raise EngineError("%s not found (build onnxc first)" % onnxc)
    cmd = [onnxc, "compile", model, "-o", exe]
    for name, dims in ins:
        if any(d is None for d in dims):
            import numpy as np
            shape = np.load(inputs[name], mmap_mode="r").shape
            cmd += ["--input-shape", "%s:%s" % (name, "x".join(map(str, shape)))]
    if precision != "fp32":
        cmd += ["--precision", precision]
    cmd += shlex.split(a.compile_args or "")
    if os.path.exists(exe):
        os.remove(exe)
    with open(logf, "w") as err:
        t0 = time.perf_counter()
        p = subprocess.Popen(cmd, stdout=err, stderr=subprocess.STDOUT, stdin=subprocess.DEVNULL)
        rc, ru, timed_out = wait4_timeout(p, a.timeout)
        secs = time.perf_counter() - t0
    with open(logf, errors="replace") as f:
        text = f.read()
    if timed_out:
        raise EngineError("compile timed out after %d s" % a.timeout)
    if rc or not os.path.exists(exe):
        raise EngineError("compile failed (exit %d): %s" % (rc, one_line(text)))
    info = {"cmd": " ".join(shlex.quote(c) for c in cmd), "seconds": secs,
            "peak_kb": ru.ru_maxrss, "bytes": os.path.getsize(exe), "summary": ""}
    lines = [l for l in text.splitlines() if l.strip()]
    if lines:
        info["summary"] = re.sub(r"^onnxc:\s*", "", lines[-1]).strip()
    info["product_flops"] = product_flops(onnxc, model, cmd)
    try:
        out = subprocess.run(["size", "-A", exe], capture_output=True, text=True).stdout
        m = re.search(r"^\.text\s+(\d+)", out, re.M)
        info["text_bytes"] = int(m.group(1)) if m else None
    except OSError:
        info["text_bytes"] = None
    return info


# ---- accuracy -----------------------------------------------------------------------------

def compare(out_dir, ref_dir, names, rtol, atol):
    """Per output: (max abs error, within tolerance, note), numpy's allclose rule with the
    reference as b: |a - b| <= atol + rtol * |b|."""
    import numpy as np
    res = {}
    for n in names:
        got, ref = os.path.join(out_dir, n + ".npy"), os.path.join(ref_dir, n + ".npy")
        if not os.path.exists(ref):
            continue
        if not os.path.exists(got):
            res[n] = (None, False, "missing")
            continue
        x, y = np.load(got), np.load(ref)
        if x.shape != y.shape:
            res[n] = (None, False, "shape %s, expected %s" % (list(x.shape), list(y.shape)))
            continue
        x64, y64 = x.astype(np.float64), y.astype(np.float64)
        err = np.abs(x64 - y64)
        ok = bool(np.all(err <= atol + rtol * np.abs(y64))) and bool(np.all(np.isfinite(x64)))
        res[n] = (float(np.nanmax(err)) if err.size else 0.0, ok, "")
    return res


def bf16_check(out_dir, ref_dir):
    """The bf16 acceptance of issue 6: pred_logits within 0.05, argmax equal where PyTorch's
    top-1 leads its top-2 by more than 0.1, pred_boxes within 0.01. (ok, text)."""
    import numpy as np
    try:
        lg, rlg = (np.load(os.path.join(d, "pred_logits.npy")) for d in (out_dir, ref_dir))
        bx, rbx = (np.load(os.path.join(d, "pred_boxes.npy")) for d in (out_dir, ref_dir))
    except OSError as e:
        return False, "cannot read pred_logits/pred_boxes: %s" % e
    if lg.shape != rlg.shape or bx.shape != rbx.shape:
        return False, "output shapes differ from the reference"
    top2 = np.sort(rlg, axis=-1)[..., -2:]
    clear = (top2[..., 1] - top2[..., 0]) > 0.1
    flips = int(np.sum((lg.argmax(-1) != rlg.argmax(-1)) & clear))
    el, eb = float(np.abs(lg - rlg).max()), float(np.abs(bx - rbx).max())
    ok = el <= 0.05 and eb <= 0.01 and flips == 0
    return ok, "pred_logits max err %.3g (<= 0.05), class flips %d of %d clear queries, " \
               "pred_boxes max err %.3g (<= 0.01)" % (el, flips, int(clear.sum()), eb)


def bf16_yardstick(a, export_args, inputs, ref_dir, ctx):
    """What plain bf16 arithmetic does to the outputs: PyTorch with the operands of its
    convolution and linear layers rounded to bf16 (bench/torch_bench.py --bf16-rounding),
    judged like onnxc-bf16. (ok, text), or None when PyTorch cannot re-create the model."""
    if export_args is None or len(inputs) != 1:
        return None
    out = os.path.join(ctx["bench_dir"], "out", "%s-torch-bf16-rounding" % ctx["tag"])
    shutil.rmtree(out, ignore_errors=True)
    log("bf16 yardstick: one PyTorch run with bf16-rounded operands (about 20 s for R50)")
    cmd = [PY, os.path.join(ROOT, "bench", "torch_bench.py"), "--export-args", json.dumps(export_args),
           "--input", list(inputs.values())[0], "--threads", str(max(a.threads)), "--bf16-rounding",
           "--write", out]
    try:
        r = subprocess.run(cmd, capture_output=True, text=True, timeout=a.timeout,
                           env=dict(os.environ, OMP_NUM_THREADS=str(max(a.threads))))
    except subprocess.TimeoutExpired:
        return False, "PyTorch timed out"
    if r.returncode:
        return False, "PyTorch failed: %s" % (r.stdout + r.stderr).strip().splitlines()[-1:]
    return bf16_check(out, ref_dir)


# ---- profile --------------------------------------------------------------------------------

def parse_profile(text):
    """Rows (index, node, op, ms, share %, GFLOP/s or None) and the totals of an
    ONNXC_PROFILE=1 table (runtime/rt_profile.c's format)."""
    rows, total, in_table = [], None, False
    for line in text.splitlines():
        t = line.split()
        if not t:
            if in_table and total:
                break
            continue
        if t[0] == "#" and "node" in t:
            in_table = True
            continue
        if not in_table:
            continue
        if t[0] == "total" and len(t) >= 3:
            total = {"ms": float(t[1]), "gflops": None if t[-1] == "-" else float(t[-1])}
            continue
        if t[0] == "run" and total:
            total["wall_ms"] = float(t[-1])
            break
        if len(t) >= 6 and t[0].isdigit():
            try:
                rows.append((int(t[0]), " ".join(t[1:-4]), t[-4], float(t[-3]),
                             float(t[-2].rstrip("%")), None if t[-1] == "-" else float(t[-1])))
            except ValueError:
                pass
    return rows, total


# ---- the run ---------------------------------------------------------------------------------

def torch_rounds(runs, n):
    """Which of the timed rounds PyTorch takes part in: n of them, spread evenly."""
    n = max(0, min(n, runs))
    return {int(i * runs / n) for i in range(n)} if n else set()


def bench_threads(a, T, eng_specs, res, ctx):
    """All rounds at T threads. eng_specs: {name: factory or error string}."""
    engines, order = {}, []
    for name in a.engines:
        spec = eng_specs[name]
        key = (name, T)
        res[key] = {"times": [], "error": None, "peak_kb": None, "setup_ms": None, "out": None}
        if isinstance(spec, str):
            res[key]["error"] = spec
            continue
        try:
            e = spec(T)
        except EngineError as err:
            res[key]["error"] = str(err)
            continue
        try:
            e.start()
        except EngineError as err:
            res[key]["error"] = "start failed: %s" % err
            res[key]["peak_kb"] = e.stop()
            continue
        engines[name] = e
        order.append(name)
    timed_torch = torch_rounds(a.runs, a.torch_runs)
    total = a.warmup + a.runs
    for r in range(total):
        warm = r < a.warmup
        live = [n for n in order if n in engines]
        k = r % len(live) if live else 0
        line = []
        for name in live[k:] + live[:k]:
            if name == "torch" and ((warm and r >= a.torch_warmup) or
                                    (not warm and (r - a.warmup) not in timed_torch)):
                continue
            key = (name, T)
            out_dir = None
            if res[key]["out"] is None:
                out_dir = os.path.join(ctx["bench_dir"], "out", "%s-%s-t%d" % (ctx["tag"], name, T))
                shutil.rmtree(out_dir, ignore_errors=True)
            try:
                ms = engines[name].run(out_dir)
            except EngineError as err:
                res[key]["error"] = str(err)
                res[key]["peak_kb"] = engines.pop(name).stop()
                line.append("%s failed" % name)
                continue
            if out_dir:
                res[key]["out"] = out_dir
            if not warm:
                res[key]["times"].append(ms)
            line.append("%s %.1f" % (name, ms))
            time.sleep(a.gap_ms / 1e3)
        log("%d thread%s, %s %d/%d: %s" % (T, "" if T == 1 else "s", "warm-up" if warm else "round",
                                           r + 1 if warm else r - a.warmup + 1,
                                           a.warmup if warm else a.runs, ", ".join(line) or "-"))
    for name, e in engines.items():
        key = (name, T)
        res[key]["peak_kb"] = e.stop()
        res[key]["setup_ms"] = e.setup_ms
        res[key]["base_kb"] = e.base_kb
        res[key]["version"] = e.version


def profile_onnxc(a, factory, T):
    """(rows, totals) of one ONNXC_PROFILE=1 run of the executable at T threads (per-node
    times averaged over --profile-runs runs after its warm-up), or an error string."""
    try:
        _, stderr = factory(T).run(profile=True, repeat=a.profile_runs)
    except EngineError as e:
        return str(e)
    rows, total = parse_profile(stderr)
    if not rows:
        return "no profile table in the executable's stderr"
    return rows, total


# ---- report ------------------------------------------------------------------------------------

def fmt_ms(v):
    return "%.1f" % v if v is not None else "-"


def fmt_mb(kb):
    return "%.0f" % (kb / 1024) if kb else "-"


def report(a, ctx, res, acc, profiles):
    L = []
    mi = ctx["machine"]
    flags = mi["flags"]
    L.append("## %s — %s, %s" % (ctx["date"], ctx["label"], "fp32" if a.precision == "fp32" else
                                  "onnxc fp32 and bf16 (onnxc-bf16), the others fp32"))
    L.append("")
    L.append("- Machine: %s, %s CPUs (%s cores, %s thread(s) per core), avx512f %s, avx512_bf16 %s, "
             "%.1f GiB RAM, Linux %s; load average %.2f before, %.2f after."
             % (mi["model"], mi["cpus"], mi.get("cores", "?"), mi.get("tpc", "?"),
                "yes" if "avx512f" in flags else "no", "yes" if "avx512_bf16" in flags else "no",
                mi["mem_gib"], mi["kernel"], ctx["load0"], ctx["load1"]))
    L.append("- Software: %s; ONNX Runtime %s (onnxruntime-node); PyTorch %s; Node %s."
             % (ctx["onnxc_version"], ctx.get("ort_version") or ORT_VERSION,
                ctx.get("torch_version") or "-", ctx.get("node_version") or "-"))
    L.append("- Model: `%s` (%.1f MB), input %s; reference: %s."
             % (os.path.relpath(ctx["model"], ROOT) if ctx["model"].startswith(ROOT) else ctx["model"],
                os.path.getsize(ctx["model"]) / 1e6, ctx["input_desc"],
                ctx["ref_desc"]))
    peaks = ctx["peaks"]
    if peaks:
        L.append("- Peak fp32 (register-only FMA loop, %s): %s."
                 % (ctx["peak_isa"], ", ".join("%d thread%s %.1f GFLOP/s" % (t, "" if t == 1 else "s", g)
                                               for t, g in sorted(peaks.items()))))
    else:
        L.append("- Peak fp32: %s." % ctx["peak_isa"])
    if ctx.get("mk_probe"):
        L.append("- GEMM microkernel alone (`bench/mk_probe.c`, 1 thread; *in cache*: its ceiling, "
                 "*node*: a DETR-R50 node's tile loop over panels already packed, C and residual "
                 "streaming from memory): " + "; ".join(ctx["mk_probe"]) + ".")
    for name, c in ctx.get("compile", {}).items():
        if isinstance(c, dict):
            L.append("- %s compile: %.1f s wall, peak RSS %s MB; executable %.1f MB (.text %s); %s."
                     % (name, c["seconds"], fmt_mb(c["peak_kb"]), c["bytes"] / 1e6,
                        "%.0f KB" % (c["text_bytes"] / 1024) if c.get("text_bytes") else "?",
                        c["summary"] or "no summary"))
        else:
            L.append("- %s compile: %s." % (name, c))
    busy = max(ctx["load0"], ctx["load1"])
    if busy > 0.5:
        L.append("- **Noisy**: the machine had other work (load average up to %.2f on %s CPUs): "
                 "absolute times are inflated; ratios within this run are fairer, since rounds "
                 "interleave the engines." % (busy, mi["cpus"]))
    L.append("")
    L.append("| engine | threads | runs | median ms | min ms | max ms | vs ORT | peak RSS MB | setup | status |")
    L.append("|---|---:|---:|---:|---:|---:|---:|---:|---|---|")
    for T in a.threads:
        ort = res.get(("ort", T), {})
        ort_med = statistics.median(ort["times"]) if ort.get("times") and not ort.get("error") else None
        for name in a.engines:
            r = res[(name, T)]
            t = r["times"]
            med = statistics.median(t) if t else None
            ratio = "%.2f×" % (med / ort_med) if med and ort_med and name != "ort" else "-"
            setup = "-"
            c = ctx.get("compile", {}).get(name)
            if isinstance(c, dict):
                setup = "compile %.1f s" % c["seconds"]
            elif r.get("setup_ms") is not None:
                setup = "%s %.1f s" % ("session" if name == "ort" else "build", r["setup_ms"] / 1e3)
            rss = fmt_mb(r["peak_kb"])
            if r.get("base_kb"):
                rss += " (%s at start)" % fmt_mb(r["base_kb"])
            status = "ok" if not r["error"] else r["error"].replace("|", "/")
            if not r["error"] and (name, T) in acc and not all(e[1] for e in acc[(name, T)].values()):
                status = "ran, but outputs **not within tolerance**"
            L.append("| %s | %d | %d | %s | %s | %s | %s | %s | %s | %s |"
                     % (name, T, len(t), fmt_ms(med), fmt_ms(min(t) if t else None),
                        fmt_ms(max(t) if t else None), ratio, rss, setup, status))
    for name in [e for e in a.engines if e in ONNXC_PRECISION]:
        ratios = []
        for T in a.threads:
            o, r = res.get((name, T)), res.get(("ort", T))
            if o and r and o["times"] and r["times"] and not o["error"] and not r["error"]:
                ratios.append("%d thread%s %.2f× (fastest runs: %.2f×)"
                              % (T, "" if T == 1 else "s",
                                 statistics.median(o["times"]) / statistics.median(r["times"]),
                                 min(o["times"]) / min(r["times"])))
        L.append("")
        L.append("%s/ORT ratio of medians: %s (target ≤ %s×)."
                 % (name, ", ".join(ratios) if ratios else "n/a (an engine failed or was not run)",
                    "0.5" if ONNXC_PRECISION[name] == "bf16" else "0.75"))
    L += report_accuracy(a, ctx, res, acc)
    for key in sorted(profiles, key=lambda k: (k[1], a.engines.index(k[0]))):
        c = ctx.get("compile", {}).get(key[0])
        L += report_profile(key, profiles[key], peaks.get(key[1]), a.profile_runs,
                            c.get("product_flops") if isinstance(c, dict) else None)
    L.append("")
    L.append("Method: %d warm-up and %d timed interleaved rounds per thread count (order rotated "
             "each round, %d ms pause between runs)%s. onnxc: one process per round, `EXE --repeat 1` "
             "(load + one warm-up run excluded by its own clock; onnxc compile has written the "
             "executable to disk), peak RSS = the largest ru_maxrss of those processes. "
             "ORT and PyTorch: one long-lived process per thread count (session/model built once), "
             "each round times one run; peak RSS = VmHWM of that process (Node.js or Python "
             "included; their size at start in parentheses). ORT: CPU EP, graph optimization all, "
             "intra-op threads = N, inter-op 1, sequential. PyTorch: torch.set_num_threads(N), "
             "eager, inference_mode, model re-created from tools/export_detr.py with the export's "
             "options and seed."
             % (a.warmup, a.runs, a.gap_ms,
                "; PyTorch, being slow, in %d warm-up and %d timed rounds spread over them"
                % (a.torch_warmup, min(a.torch_runs, a.runs)) if "torch" in a.engines else ""))
    L.append("")
    return "\n".join(L)


def report_accuracy(a, ctx, res, acc):
    L = [""]
    if not acc:
        L.append("Accuracy: no reference outputs (%s)." % ctx["ref_desc"])
        return L
    L.append("Accuracy against %s (rtol %g, atol %g; max abs error per output):"
             % (ctx["ref_desc"], a.rtol, a.atol))
    L.append("")
    cols = [k for k in sorted(acc, key=lambda k: (a.engines.index(k[0]), k[1]))]
    names = []
    for k in cols:
        for n in acc[k]:
            if n not in names:
                names.append(n)
    L.append("| output | " + " | ".join("%s %dt" % k for k in cols) + " |")
    L.append("|---|" + "---:|" * len(cols))
    for n in names:
        cells = []
        for k in cols:
            e = acc[k].get(n)
            if e is None:
                cells.append("-")
            elif e[0] is None:
                cells.append(e[2])
            else:
                cells.append("%.2e%s" % (e[0], "" if e[1] else " ✗"))
        L.append("| %s | %s |" % (n, " | ".join(cells)))
    L.append("| **all within tolerance** | %s |"
             % " | ".join("yes" if all(e[1] for e in acc[k].values()) else "**no**" for k in cols))
    for k in cols:
        if k in ctx.get("bf16", {}):
            ok, text = ctx["bf16"][k]
            L.append("")
            L.append("bf16 acceptance (%s, %d threads): %s — %s" % (k[0], k[1], "pass" if ok else "FAIL", text))
    if ctx.get("bf16_yardstick"):
        ok, text = ctx["bf16_yardstick"]
        L.append("")
        L.append("bf16 yardstick, PyTorch with the operands of its convolution and linear layers rounded to "
                 "bf16, float32 sums, the first convolution and the heads kept float32 "
                 "(`bench/torch_bench.py --bf16-rounding`: what plain bf16 rounding costs on this model; onnxc-bf16 "
                 "also keeps its Winograd convolutions float32): %s — %s" % ("pass" if ok else "FAIL", text))
    return L


def report_profile(key, prof, peak, runs, products=None):
    """key: (onnxc engine, threads); peak: the fp32 peak (bf16's is twice it); products:
    the flops of the products the kernels run (inspect's product_flops), or None."""
    name, T = key
    L = [""]
    if isinstance(prof, str):
        L.append("%s profile at %d thread%s: %s" % (name, T, "" if T == 1 else "s", prof))
        return L
    rows, total = prof
    sel = [r for r in rows if CONV_GEMM.search(r[2]) and r[5] is not None]
    sel.sort(key=lambda r: -r[3])
    cg_ms = sum(r[3] for r in sel)
    cg_gflop = sum(r[3] * r[5] / 1e3 for r in sel)
    tot_ms = total["ms"] if total else sum(r[3] for r in rows)
    ran = ""
    if products and cg_ms:
        rate = products / 1e9 / (cg_ms / 1e3)
        share = " = %.0f%% of peak" % (100 * rate / peak) if peak else ""
        ran = (" The products those kernels run (Winograd's in the transformed domain, `onnxc inspect "
               "--kernels`): %.1f GFLOP, at %.1f GFLOP/s%s." % (products / 1e9, rate, share))
    L.append("%s profile (ONNXC_PROFILE=1, %d thread%s, mean of %d run%s): conv/GEMM/attention "
             "nodes take %.0f of %.0f ms (%.0f%%) at %.1f GFLOP/s of direct-convolution flops%s; whole "
             "model %s GFLOP/s.%s Top 15 by time (share of the fp32 peak):"
             % (name, T, "" if T == 1 else "s", runs, "" if runs == 1 else "s", cg_ms, tot_ms, 100 * cg_ms / tot_ms if tot_ms else 0,
                cg_gflop / (cg_ms / 1e3) if cg_ms else 0,
                " (%.0f%% of peak)" % (100 * cg_gflop / (cg_ms / 1e3) / peak) if peak and cg_ms else "",
                "%.1f" % total["gflops"] if total and total.get("gflops") else "?", ran))
    L.append("")
    L.append("| # | node | op | ms | share | GFLOP/s | of peak |")
    L.append("|---:|---|---|---:|---:|---:|---:|")
    for r in sel[:15]:
        L.append("| %d | `%s` | %s | %.1f | %.1f%% | %.1f | %s |"
                 % (r[0], r[1], r[2], r[3], r[4], r[5], "%.0f%%" % (100 * r[5] / peak) if peak else "-"))
    return L


# ---- main --------------------------------------------------------------------------------------

def parse_args(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.ArgumentDefaultsHelpFormatter)
    p.add_argument("--model", default="r50",
                   help="a preset (%s), exported and cached in build/bench/models, or an .onnx path"
                        % ", ".join(PRESETS))
    p.add_argument("--export-args", help="for an .onnx path: the tools/export_detr.py options it was "
                   "exported with (e.g. '' for the defaults), so PyTorch can re-create it; "
                   "without them PyTorch is skipped")
    p.add_argument("--input", action="append", metavar="NAME=FILE.npy",
                   help="model input (default: MODEL.ref/NAME.npy or MODEL.ref/inputs.npy)")
    p.add_argument("--ref", help="folder of reference outputs NAME.npy (default: MODEL.ref)")
    p.add_argument("--threads", default="1,2", help="comma-separated thread counts")
    p.add_argument("--runs", type=int, default=10, help="timed rounds per thread count")
    p.add_argument("--warmup", type=int, default=2, help="untimed rounds first")
    p.add_argument("--torch-runs", type=int, default=3, help="timed PyTorch runs (slow: ~20 s each)")
    p.add_argument("--torch-warmup", type=int, default=1)
    p.add_argument("--engines", default="onnxc,ort,torch",
                   help="onnxc (fp32), onnxc-bf16 (compile --precision bf16), ort, torch")
    p.add_argument("--precision", default="fp32", choices=["fp32", "bf16"],
                   help="bf16: also the onnxc-bf16 engine, next to onnxc fp32 in the same rounds; "
                        "ORT and PyTorch stay fp32")
    p.add_argument("--onnxc", default=os.path.join(ROOT, "build", "onnxc"))
    p.add_argument("--compile-args", help="extra options for onnxc compile")
    p.add_argument("--rtol", type=float, default=1e-3)
    p.add_argument("--atol", type=float, default=1e-4)
    p.add_argument("--timeout", type=int, default=900, help="seconds for one compile, setup or run")
    p.add_argument("--gap-ms", type=int, default=100, help="pause after each run")
    p.add_argument("--no-profile", action="store_true", help="skip the ONNXC_PROFILE=1 run")
    p.add_argument("--profile-runs", type=int, default=3,
                   help="timed runs the ONNXC_PROFILE=1 run averages (--repeat of the executable)")
    p.add_argument("--results", default=os.path.join(ROOT, "bench", "RESULTS.md"),
                   help="markdown file the results are appended to ('' for none)")
    p.add_argument("--bench-dir", default=os.path.join(ROOT, "build", "bench"))
    a = p.parse_args(argv)
    try:
        a.threads = [int(t) for t in a.threads.split(",") if t.strip()]
    except ValueError:
        p.error("--threads takes a comma-separated list of counts")
    a.engines = [e.strip() for e in a.engines.split(",") if e.strip()]
    if a.precision == "bf16" and "onnxc-bf16" not in a.engines:
        a.engines.insert(a.engines.index("onnxc") + 1 if "onnxc" in a.engines else 0, "onnxc-bf16")
    if "onnxc-bf16" in a.engines:
        a.precision = "bf16"
    bad = [e for e in a.engines if e not in ONNXC_PRECISION and e not in ("ort", "torch")]
    if bad or not a.engines or not a.threads or min(a.threads) < 1:
        p.error("--engines takes onnxc,onnxc-bf16,ort,torch; --threads counts >= 1")
    if a.runs < 1 or a.warmup < 1:
        p.error("--runs and --warmup must be >= 1 (the first warm-up round saves the outputs)")
    a.torch_warmup = max(1, min(a.torch_warmup, a.warmup))
    return a


def setup_model(a, bench_dir):
    """(model path, export args or None, label)."""
    if a.model in PRESETS:
        path, args = export_preset(a.model, bench_dir)
        return path, args, PRESETS[a.model][1]
    path = os.path.abspath(a.model)
    if not os.path.exists(path):
        raise SystemExit("bench: no model %s (presets: %s)" % (a.model, ", ".join(PRESETS)))
    args = shlex.split(a.export_args) if a.export_args is not None else None
    return path, args, os.path.basename(path)


def engine_factories(a, ctx, model, ins, inputs, export_args):
    bench_dir, tag = ctx["bench_dir"], ctx["tag"]
    logs = os.path.join(bench_dir, "logs")
    specs = {}
    ctx["compile"] = {}
    for name in [e for e in a.engines if e in ONNXC_PRECISION]:
        prec = ONNXC_PRECISION[name]
        exe = os.path.join(bench_dir, "exe", tag + "-" + prec)
        os.makedirs(os.path.dirname(exe), exist_ok=True)
        log("compiling %s with %s, --precision %s" % (os.path.basename(model), a.onnxc, prec))
        try:
            ctx["compile"][name] = compile_onnxc(a, model, ins, inputs, exe,
                                                 os.path.join(logs, "%s-%s-compile.log" % (tag, prec)), prec)
            log("compiled in %.1f s" % ctx["compile"][name]["seconds"])
            specs[name] = (lambda exe, name: lambda T: Onnxc(
                exe, inputs, T, a.timeout, os.path.join(logs, "%s-%s-t%d" % (tag, name, T))))(exe, name)
        except EngineError as e:
            ctx["compile"][name] = str(e)
            specs[name] = str(e)
            log(str(e))
    if "ort" in a.engines:
        err = ensure_ort(bench_dir)
        specs["ort"] = err or (lambda T: make_ort(a, model, inputs, T,
                                                  os.path.join(logs, "%s-ort-t%d" % (tag, T)), bench_dir))
    if "torch" in a.engines:
        if export_args is None:
            specs["torch"] = ("skipped: not a model exported by tools/export_detr.py with known "
                              "options (give --export-args)")
        else:
            specs["torch"] = lambda T: make_torch(a, export_args, inputs, T,
                                                  os.path.join(logs, "%s-torch-t%d" % (tag, T)))
    return specs


def tool_versions(ctx):
    try:
        ctx["node_version"] = subprocess.run(["node", "--version"], capture_output=True,
                                             text=True).stdout.strip()
    except OSError:
        pass


def main(argv=None):
    a = parse_args(argv)
    bench_dir = os.path.abspath(a.bench_dir)
    os.makedirs(os.path.join(bench_dir, "logs"), exist_ok=True)
    model, export_args, label = setup_model(a, bench_dir)
    ins, outs = model_io(model)
    ref_dir = os.path.abspath(a.ref) if a.ref else model[:-5] + ".ref"
    if not os.path.isdir(ref_dir):
        ref_dir = None
    inputs = resolve_inputs(a, ins, ref_dir)
    import numpy as np
    ctx = {"bench_dir": bench_dir, "model": model, "label": label,
           "tag": re.sub(r"[^\w.-]", "_", os.path.splitext(os.path.basename(model))[0]),
           "date": datetime.datetime.now().astimezone().strftime("%Y-%m-%d %H:%M %Z"),
           "machine": machine_info(), "onnxc_version": onnxc_version(a.onnxc),
           "input_desc": ", ".join("%s %s" % (n, "x".join(map(str, np.load(f, mmap_mode="r").shape)))
                                   for n, f in inputs.items()),
           "ref_desc": "PyTorch's outputs in `%s`" % os.path.relpath(ref_dir, ROOT)
                       if ref_dir and ref_dir.startswith(ROOT) else
                       ("PyTorch's outputs in `%s`" % ref_dir if ref_dir else "none")}
    tool_versions(ctx)
    log("peak FLOP/s probe")
    ctx["peaks"], ctx["peak_isa"] = peak_flops(bench_dir, a.threads)
    specs = engine_factories(a, ctx, model, ins, inputs, export_args)
    ctx["load0"] = loadavg()
    if ctx["load0"] > 0.5:
        log("warning: load average %.2f: other work on this machine will add noise" % ctx["load0"])
    res, profiles = {}, {}
    for T in a.threads:
        bench_threads(a, T, specs, res, ctx)
        for name in [e for e in a.engines if e in ONNXC_PRECISION]:
            if not isinstance(specs.get(name), str) and not a.no_profile:
                log("%d thread%s: ONNXC_PROFILE=1 run of %s" % (T, "" if T == 1 else "s", name))
                profiles[(name, T)] = profile_onnxc(a, specs[name], T)
    ctx["load1"] = loadavg()
    log("peak FLOP/s probe again (the best of both counts: noise only lowers it)")
    again, _ = peak_flops(bench_dir, a.threads)
    for t, g in again.items():
        ctx["peaks"][t] = max(g, ctx["peaks"].get(t, 0))
    if not a.no_profile:
        log("microkernel probe")
        ctx["mk_probe"] = mk_probe(bench_dir)
    for key, r in res.items():
        if key[0] == "ort" and r.get("version"):
            ctx["ort_version"] = r["version"]
        if key[0] == "torch" and r.get("version"):
            ctx["torch_version"] = r["version"]
    acc, ctx["bf16"] = {}, {}
    for key in sorted(res, key=lambda k: (a.engines.index(k[0]), k[1])):
        out = res[key]["out"]
        if out and ref_dir:
            acc[key] = compare(out, ref_dir, outs, a.rtol, a.atol)
            if key[0] == "onnxc-bf16":
                ctx["bf16"][key] = bf16_check(out, ref_dir)
    if "onnxc-bf16" in a.engines and ref_dir:
        ctx["bf16_yardstick"] = bf16_yardstick(a, export_args, inputs, ref_dir, ctx)
    text = report(a, ctx, res, acc, profiles)
    print(text)
    if a.results:
        new = not os.path.exists(a.results)
        with open(a.results, "a") as f:
            if new:
                f.write("# onnxc benchmark results\n\nAppended by `bench/run.sh` (bench/bench.py), "
                        "newest last.\n\n")
            f.write(text + "\n")
        log("appended to %s" % a.results)
    return 0


if __name__ == "__main__":
    sys.exit(main())
