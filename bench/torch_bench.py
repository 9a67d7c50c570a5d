#!/usr/bin/python3
"""PyTorch side of the onnxc benchmark: DETR re-created in eager mode.

The ONNX file holds the weights, but PyTorch cannot run an ONNX graph, and the
exporter renames and folds parameters, so they cannot be mapped back by name.
Instead the model is re-created with tools/export_detr.py's own code and the
options (and seed, or checkpoint) it was exported with: the same seeded
initialization yields the same weights. bench.py records those options when it
exports a model; the accuracy of this engine against the export's reference
outputs (PyTorch's own, computed at export) confirms the re-creation.

    torch_bench.py --export-args '["--backbone", "resnet101"]' --input X.npy \
                   [--threads N] --serve

    torch_bench.py --export-args '[]' --input X.npy --bf16-rounding --write DIR

runs once with the operands of the convolution and linear layers rounded to
bfloat16 (see bf16_rounding) and writes the outputs to DIR: what plain bf16
arithmetic costs in accuracy, the yardstick for onnxc's bf16 build.

--serve prints {"ready": ...} once the model is built, then answers each stdin line
"run" or "run DIR" (also writes every output as DIR/NAME.npy) with one JSON line
{"ms": wall time of the forward pass}; "quit" or end of input exits. Without
--serve it runs --runs times after one warm-up and prints the median.
Run with /usr/bin/python3 (Debian's PyTorch).
"""

import argparse
import json
import os
import statistics
import sys
import time

import numpy as np
import torch

ROOT = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
sys.path.insert(0, os.path.join(ROOT, "tools"))
import export_detr  # noqa: E402  (the model definition and its seeded initialization)


def build(export_args):
    """The model export_detr.main() exports for these arguments, in eval mode."""
    a = export_detr.parse_args(list(export_args) + ["--quiet"])
    torch.set_grad_enabled(False)
    state = export_detr.load_checkpoint(a.checkpoint, a, True) if a.checkpoint else None
    torch.manual_seed(a.seed)
    model = export_detr.build_model(a)
    if state is not None:
        model.load_state_dict(state, strict=True)
    else:
        export_detr.init_random_weights(model, a.seed)
    model.eval()
    model.per_image_mask = not a.dynamic
    return model


def bf16_rounding(model):
    """Rounds, to bfloat16 (to nearest even), both operands of the products of every
    convolution and linear layer and of the attention input projections (weights and
    inputs), leaving their sums in float32, as vdpbf16ps does; the first convolution
    (it reads the image) and the class and box heads stay float32, as in onnxc
    --precision bf16 (which also keeps the convolutions it runs as Winograd in
    float32). Elementwise ops, normalization, softmax and attention's own products
    stay float32. Returns the number of layers rounded."""
    def r16(t):
        return t.to(torch.bfloat16).to(torch.float32)

    def round_inputs(module, inputs):
        return tuple(r16(t) if torch.is_tensor(t) and t.is_floating_point() else t for t in inputs)

    n = 0
    for name, mod in model.named_modules():
        if name.endswith("body.conv1") or "class_embed" in name or "bbox_embed" in name:
            continue
        if isinstance(mod, (torch.nn.Conv2d, torch.nn.Linear)):
            mod.weight.data = r16(mod.weight.data)
            mod.register_forward_pre_hook(round_inputs)
            n += 1
        elif isinstance(mod, torch.nn.MultiheadAttention):
            mod.in_proj_weight.data = r16(mod.in_proj_weight.data)
            mod.register_forward_pre_hook(round_inputs)
            n += 1
    return n


def timed_run(model, x, out_dir):
    t0 = time.perf_counter()
    with torch.inference_mode():
        outs = model(x)
    ms = (time.perf_counter() - t0) * 1e3
    if out_dir:
        os.makedirs(out_dir, exist_ok=True)
        for name, t in zip(model.output_names(), outs):
            np.save(os.path.join(out_dir, name + ".npy"), t.numpy())
    return ms


def rss_kb(field):
    with open("/proc/self/status") as f:
        for line in f:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    return None


def say(obj):
    sys.stdout.write(json.dumps(obj) + "\n")
    sys.stdout.flush()


def serve(model, x):
    for line in sys.stdin:
        words = line.split()
        if not words:
            continue
        if words[0] == "quit":
            break
        if words[0] != "run":
            say({"error": "unknown command " + line.strip()})
            continue
        try:
            say({"ms": timed_run(model, x, words[1] if len(words) > 1 else None)})
        except Exception as e:  # report, keep serving: bench.py decides what to do
            say({"error": str(e).splitlines()[0] if str(e) else type(e).__name__})


def main():
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    p.add_argument("--export-args", required=True,
                   help="JSON list of the export_detr.py options the model was exported with")
    p.add_argument("--input", required=True, help="input .npy")
    p.add_argument("--threads", type=int, default=1)
    p.add_argument("--runs", type=int, default=3)
    p.add_argument("--serve", action="store_true")
    p.add_argument("--bf16-rounding", action="store_true",
                   help="round the operands of the products onnxc --precision bf16 runs in bf16")
    p.add_argument("--write", metavar="DIR", help="run once and write the outputs as DIR/NAME.npy")
    a = p.parse_args()
    base_rss = rss_kb("VmRSS")  # Python with torch imported, before the model exists
    torch.set_num_threads(a.threads)
    torch.set_num_interop_threads(1)
    try:
        t0 = time.perf_counter()
        model = build(json.loads(a.export_args))
        load_ms = (time.perf_counter() - t0) * 1e3
        x = torch.from_numpy(np.load(a.input))
    except (Exception, SystemExit) as e:
        say({"error": "cannot re-create the model: %s" % (str(e).splitlines()[0] if str(e) else type(e).__name__)})
        return 1
    layers = bf16_rounding(model) if a.bf16_rounding else 0
    if a.write:
        ms = timed_run(model, x, a.write)
        say({"ms": ms, "bf16_layers": layers})
        return 0
    if a.serve:
        say({"ready": True, "version": torch.__version__, "load_ms": load_ms,
             "threads": torch.get_num_threads(), "base_rss_kb": base_rss, "outputs": model.output_names()})
        serve(model, x)
        return 0
    timed_run(model, x, None)
    ms = sorted(timed_run(model, x, None) for _ in range(a.runs))
    print("torch %s, %d threads: median %.3f ms (min %.3f ms, max %.3f ms), build %.0f ms"
          % (torch.__version__, torch.get_num_threads(), statistics.median(ms), ms[0], ms[-1], load_ms))
    return 0


if __name__ == "__main__":
    sys.exit(main())
