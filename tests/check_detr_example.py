#!/usr/bin/python3
"""examples/detr's detr_detect against PyTorch, end to end.

    check_detr_example.py ONNXC DETR_DETECT DETR_MODELS_DIR SOURCE_DIR

On the tiny DETR export (tests/models/gen_detr.py's tiny-op12, seeded random
weights) it builds detr_detect with the model linked in
(examples/detr/build.sh) and a model library for the dlopen path, then for
several images (the bundled JPEG, a portrait PNG with alpha, a small grey JPEG
that must be upscaled, DETR sizing without the canvas fit):

  * preprocessing: the tensor detr_detect feeds the model (--dump-input)
    equals PIL + torchvision's DETR evaluation transform (decode, RGB,
    bilinear resize to the planned size, ToTensor, Normalize, zero pad) to
    within 1e-6 (the resize reproduces Pillow's fixed-point arithmetic, so
    any real difference is at least one 8-bit level, 0.017 after
    normalization);
  * detections: the same DETR re-created in PyTorch from its export options
    and seed (first checked against the export's own reference outputs) is
    run on that tensor and post-processed in PyTorch (softmax, no-object
    class dropped, threshold, cxcywh -> xyxy in the original image's pixels);
    the same queries are kept (up to scores within 1e-3 of the threshold),
    with the same classes, scores within 1e-3 and boxes within 0.5 px;
  * outputs: the JSON matches the printed run, --top keeps the best, the PNG has the image's size
    and only original, box or label pixels;
  * bad input: missing, empty, non-image, truncated JPEG and PNG, a PNG
    declaring 30000x30000 pixels, bad options, a library that is no model or
    a model that is no DETR,
    too many class names: exit 1 (2 for usage) with a message, no crash;
  * multi-shape and mask input: tiny-op13-mask-dynamic (images zero padded
    plus a bool padding mask) compiled for three canvases in one library;
    landscape, portrait and square images must select the smallest canvas
    holding their DETR size, images too large for all the largest canvas
    they fill most; the detections equal PyTorch's on the same padded tensor
    and mask, post-processed as DETR's PostProcess does (boxes relative to
    the unpadded image, scaled by the original size); two controls show the
    test would see an unpassed mask and the canvas-relative convention.
"""
import json
import os
import shutil
import struct
import subprocess
import sys
import tempfile
import zlib

import numpy as np
import torch
import torch.nn.functional as F
import torchvision.transforms.functional as TF
from PIL import Image

ONNXC, DETECT, MODELS, SRC = sys.argv[1:5]
sys.path.insert(0, os.path.join(SRC, "bench"))
sys.path.insert(0, os.path.join(SRC, "tests", "models"))
import gen_detr  # noqa: E402  (the tiny configuration's export options)
import torch_bench  # noqa: E402  (DETR re-created from export options)

MODEL = "tiny-op12"
MASK_MODEL = "tiny-op13-mask-dynamic"
THRESHOLD = 0.2
PRE_TOL, SCORE_TOL, BOX_TOL = 1e-6, 1e-3, 0.5
PALETTE = [(230, 25, 75), (60, 180, 75), (0, 130, 200), (245, 130, 48),
           (145, 30, 180), (70, 240, 240), (240, 50, 230), (128, 128, 0)]
MEAN, STD = [0.485, 0.456, 0.406], [0.229, 0.224, 0.225]
failures = []
passed = [0]


def check(ok, what):
    print(("ok   " if ok else "FAIL ") + what, flush=True)
    if ok:
        passed[0] += 1
    else:
        failures.append(what)


def run(argv, **kw):
    return subprocess.run(argv, capture_output=True, text=True, timeout=300, **kw)


# ---------------------------------------------------------------- reference side

def detr_size(w, h, min_size, max_size):
    """DETR's RandomResize size rule (datasets/transforms.py get_size)."""
    size = min_size
    lo, hi = float(min(w, h)), float(max(w, h))
    if max_size is not None and hi / lo * size > max_size:
        size = int(round(max_size * lo / hi))
    if (w <= h and w == size) or (h <= w and h == size):
        return w, h
    if w < h:
        return size, int(size * h / w)
    return int(size * w / h), size


def planned_size(w, h, min_size, max_size, cw, ch):
    """detr_size, then fitted into the canvas keeping the aspect ratio."""
    ow, oh = detr_size(w, h, min_size, max_size) if min_size else (cw + 1, ch + 1)
    if ow > cw or oh > ch:
        if ch / h <= cw / w:
            oh, ow = ch, int(w * ch / h)
        else:
            ow, oh = cw, int(h * cw / w)
        ow, oh = min(max(ow, 1), cw), min(max(oh, 1), ch)
    return ow, oh


def reference_input(path, size, canvas):
    img = Image.open(path).convert("RGB")
    t = TF.normalize(TF.to_tensor(TF.resize(img, [size[1], size[0]],
                                            interpolation=TF.InterpolationMode.BILINEAR)), MEAN, STD)
    out = torch.zeros(1, 3, canvas[1], canvas[0])
    out[0, :, :size[1], :size[0]] = t
    return out


def reference_detections(model, x, src, size, canvas, mask=None):
    logits, boxes = (model(x) if mask is None else model(x, mask))[:2]
    prob = F.softmax(logits[0], -1)
    scores, labels = prob[:, :-1].max(-1)
    cx, cy, w, h = boxes[0].unbind(-1)
    xyxy = torch.stack([cx - 0.5 * w, cy - 0.5 * h, cx + 0.5 * w, cy + 0.5 * h], -1)
    if mask is None:
        # normalized to the canvas -> canvas pixels -> original pixels
        scale = torch.tensor([canvas[0] * src[0] / size[0], canvas[1] * src[1] / size[1]] * 2)
    else:
        # told the padding, DETR's boxes are normalized to the unpadded image:
        # its PostProcess scales them by the original size (target_sizes)
        scale = torch.tensor([src[0], src[1]] * 2, dtype=torch.float32)
    xyxy = xyxy * scale
    return {q: (int(labels[q]), float(scores[q]), xyxy[q].tolist()) for q in range(len(scores))}


# ---------------------------------------------------------------- one image

def compare_detections(name, got, ref):
    kept = {q for q, (_, s, _) in ref.items() if s >= THRESHOLD}
    mine = {d["query"]: d for d in got}
    for q in kept | set(mine):
        if q not in mine or q not in kept:
            s = ref[q][1]
            check(abs(s - THRESHOLD) <= SCORE_TOL,
                  "%s: query %d kept by one side only, PyTorch score %.5f is at the threshold" % (name, q, s))
            continue
        label, score, box = ref[q]
        d = mine[q]
        db = max(abs(a - b) for a, b in zip(d["box"], box))
        check(d["label"] == label and abs(d["score"] - score) <= SCORE_TOL and db <= BOX_TOL,
              "%s: query %d class %d/%d, score %.5f/%.5f, box off by %.3g px" %
              (name, q, d["label"], label, d["score"], score, db))
    check(len(mine) >= 3, "%s: %d detections to compare (at least 3)" % (name, len(mine)))


def check_png(name, png_path, image_path, dets):
    orig = np.asarray(Image.open(image_path).convert("RGB")).astype(np.int32)
    out = np.asarray(Image.open(png_path).convert("RGB")).astype(np.int32)
    check(out.shape == orig.shape, "%s: annotated PNG is %s, image %s" % (name, out.shape[:2], orig.shape[:2]))
    if out.shape != orig.shape:
        return
    allowed = [tuple(c) for c in PALETTE] + [(255, 255, 255)]
    changed = np.any(out != orig, axis=-1)
    ok = all(tuple(p) in allowed for p in out[changed][:: max(1, changed.sum() // 5000)])
    check(changed.any() and ok, "%s: PNG differs from the image only by box and label pixels (%d changed)"
          % (name, int(changed.sum())))
    best = dets[0]
    x0 = int(best["box"][0])
    ys = [y for y in range(int(best["box"][1]), int(best["box"][3]) + 1) if 0 <= y < out.shape[0]]
    if 0 <= x0 < out.shape[1] and ys:
        y = ys[len(ys) // 2]
        check(tuple(out[y, x0]) == PALETTE[best["label"] % len(PALETTE)],
              "%s: best box's left edge drawn in its class colour at (%d, %d)" % (name, x0, y))


def padding_mask(size, canvas):
    mask = torch.ones(1, canvas[1], canvas[0], dtype=torch.bool)
    mask[0, :size[1], :size[0]] = False
    return mask


def one_image(name, exe, model_arg, image, model, canvas, tmp, extra=(), min_size=800, max_size=1333,
              masked=False, entry=0, entries=1):
    stem = os.path.join(tmp, "out-" + name)
    argv = [exe, model_arg, "--image", image, "--json", stem + ".json", "--png", stem + ".png",
            "--dump-input", stem + ".npy", "--threshold", str(THRESHOLD)] + list(extra)
    r = run(argv)
    check(r.returncode == 0, "%s: detr_detect exits 0 (%s)" % (name, r.stderr.strip()[:300]))
    if r.returncode:
        return
    out = json.load(open(stem + ".json"))
    src = Image.open(image).size
    size = planned_size(src[0], src[1], min_size, max_size, *canvas)
    check(tuple(out["image_size"]) == src and tuple(out["resized"]) == size and tuple(out["canvas"]) == canvas,
          "%s: sizes %s -> %s in %s (expected %s -> %s in %s)" % (name, out["image_size"], out["resized"],
                                                                 out["canvas"], src, size, canvas))
    check((out["entry"], out["entries"], out["mask"]) == (entry, entries, masked) and
          ("(entry %d of %d" % (entry, entries)) in r.stdout,
          "%s: entry %d of %d used, mask %s (expected entry %d of %d, mask %s)" %
          (name, out["entry"], out["entries"], out["mask"], entry, entries, masked))
    mine = torch.from_numpy(np.load(stem + ".npy"))
    ref = reference_input(image, size, canvas)
    err = (mine - ref).abs().max().item()
    check(mine.shape == ref.shape and err <= PRE_TOL,
          "%s: preprocessed input equals PIL/torchvision's (max abs diff %.3g <= %g)" % (name, err, PRE_TOL))
    mask = padding_mask(size, canvas) if masked else None
    with torch.no_grad():
        dets = reference_detections(model, mine, src, size, canvas, mask)
    compare_detections(name, out["detections"], dets)
    if masked and size != canvas:
        # the mask matters: without it (all False) PyTorch's scores differ
        with torch.no_grad():
            blind = reference_detections(model, mine, src, size, canvas, torch.zeros_like(mask))
        moved = max(abs(blind[q][1] - dets[q][1]) for q in dets)
        check(moved > 10 * SCORE_TOL, "%s: an all-False mask would move the scores by %.3g (> %g)" %
              (name, moved, 10 * SCORE_TOL))
        # the other convention (boxes relative to the canvas) would be told apart
        off = max(abs(b * (c / s) - b) for d in out["detections"]
                  for b, c, s in zip(d["box"], canvas * 2, size * 2))
        check(off > 10 * BOX_TOL, "%s: canvas-relative boxes would differ by %.3g px (> %g)" %
              (name, off, 10 * BOX_TOL))
    printed = r.stdout.count("(query ")
    check(printed == len(out["detections"]), "%s: %d printed, %d in JSON" % (name, printed, len(out["detections"])))
    if out["detections"]:
        check_png(name, stem + ".png", image, out["detections"])
    return out


# ---------------------------------------------------------------- bad input

def png_chunk(kind, data):
    return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))


def bad_inputs(exe, lib, image, tmp):
    p = lambda n: os.path.join(tmp, n)  # noqa: E731
    data = open(image, "rb").read()
    open(p("trunc.jpg"), "wb").write(data[: len(data) // 3])
    open(p("empty.jpg"), "wb").close()
    open(p("text.png"), "w").write("not an image\n")
    Image.new("RGB", (64, 48), (10, 200, 30)).save(p("ok.png"))
    png = open(p("ok.png"), "rb").read()
    open(p("trunc.png"), "wb").write(png[: len(png) - 30])
    huge = b"\x89PNG\r\n\x1a\n" + png_chunk(b"IHDR", struct.pack(">IIBBBBB", 30000, 30000, 8, 2, 0, 0, 0)) + \
        png_chunk(b"IDAT", zlib.compress(b"\0" * 100)) + png_chunk(b"IEND", b"")
    open(p("huge.png"), "wb").write(huge)
    open(p("names.txt"), "w").write("\n".join("n%d" % i for i in range(9)) + "\n")
    libpng = next((f for f in ("/usr/lib/x86_64-linux-gnu/libpng16.so.16", "/lib/x86_64-linux-gnu/libz.so.1")
                   if os.path.exists(f)), None)
    cases = [
        ("missing image", [lib, "--image", p("nope.jpg")], 1, "cannot open"),
        ("empty file", [lib, "--image", p("empty.jpg")], 1, "not a JPEG or PNG"),
        ("not an image", [lib, "--image", p("text.png")], 1, "not a JPEG or PNG"),
        ("truncated JPEG", [lib, "--image", p("trunc.jpg")], 1, "bad JPEG"),
        ("truncated PNG", [lib, "--image", p("trunc.png")], 1, "bad PNG"),
        ("30000x30000 PNG", [lib, "--image", p("huge.png")], 1, "larger than this program accepts"),
        ("too many class names", [lib, "--image", image, "--classes", p("names.txt")], 1, "more than 5 names"),
        ("missing class file", [lib, "--image", image, "--classes", p("nope.txt")], 1, "nope.txt"),
        ("threshold out of range", [lib, "--image", image, "--threshold", "1.5"], 2, "--threshold"),
        ("no image option", [lib], 2, "--image"),
        ("no model", ["--image", image], 2, "MODEL"),
        ("missing library", [p("nope.so"), "--image", image], 1, "cannot load model library"),
        ("no built-in model", ["builtin", "--image", image], 1, "no built-in model"),
        ("unwritable PNG", [lib, "--image", image, "--png", p("no/dir/x.png")], 1, "cannot create"),
    ]
    conv = os.path.join(os.path.dirname(MODELS), "small", "tiny_conv.onnx")  # a classifier, not a DETR
    r = run([ONNXC, "compile", conv, "-o", p("libconv.so"), "--emit", "lib", "-q"])
    check(r.returncode == 0, "a non-DETR model library compiles (%s)" % r.stderr.strip())
    cases.append(("a model that is no DETR", [p("libconv.so"), "--image", image], 1,
                  "expected outputs pred_logits float32 [1,Q,C+1]"))
    if libpng:
        cases.append(("library without a model", [libpng, "--image", image], 1, "no symbol 'onnxc_entry_model'"))
    for what, args, code, msg in cases:
        r = run([exe] + args)
        check(r.returncode == code and msg in r.stderr and "detr_detect: " in r.stderr,
              "bad input, %s: exit %d (want %d), message %r" % (what, r.returncode, code,
                                                                  r.stderr.strip().splitlines()[-1:]))


# ---------------------------------------------------------------- main

def make_images(tmp):
    """A portrait RGBA PNG (alpha dropped) and a tiny grey JPEG (upscaled)."""
    rng = np.random.default_rng(1)
    a = rng.integers(0, 256, (233, 150, 4), dtype=np.uint8)
    a[40:180, 30:120, :3] = (200, 40, 40)
    Image.fromarray(a, "RGBA").save(os.path.join(tmp, "portrait.png"))
    g = (np.add.outer(np.arange(40), np.arange(50)) * 2).astype(np.uint8)
    Image.fromarray(g, "L").save(os.path.join(tmp, "grey.jpg"), quality=90)
    return os.path.join(tmp, "portrait.png"), os.path.join(tmp, "grey.jpg")


def build_twin(onnx_path, name=MODEL):
    model = torch_bench.build(gen_detr.SMALL[name])
    ref_dir = onnx_path[:-5] + ".ref"
    x = [torch.from_numpy(np.load(os.path.join(ref_dir, f))) for f in ("inputs.npy", "mask.npy")
         if os.path.exists(os.path.join(ref_dir, f))]
    with torch.no_grad():
        outs = model(*x)
    err = max((o - torch.from_numpy(np.load(os.path.join(ref_dir, n + ".npy")))).abs().max().item()
              for n, o in zip(model.output_names(), outs))
    check(err <= 1e-4, "PyTorch twin of %s reproduces the export's reference outputs (max abs diff %.3g)" %
          (name, err))
    return model


def multi_shape_mask(tmp):
    """A mask-input DETR compiled for three canvases in one artifact: each
    image goes to the smallest canvas holding its DETR size (else the
    largest, scaled down to fit), with the padding mask; the boxes are
    relative to the unpadded image."""
    onnx_path = os.path.join(MODELS, MASK_MODEL + ".onnx")
    lib = os.path.join(tmp, "libmask.so")
    canvases = [(160, 128), (128, 160), (96, 96)]  # (w, h), entries 0, 1, 2
    shape = lambda lead: ",".join("x".join(map(str, lead + [h, w])) for w, h in canvases)  # noqa: E731
    r = run([ONNXC, "compile", onnx_path, "-o", lib, "--emit", "lib", "-q",
             "--input-shape", "inputs:" + shape([1, 3]), "--input-shape", "mask:" + shape([1])])
    check(r.returncode == 0, "%s compiles for %d canvases in one library (%s)" %
          (MASK_MODEL, len(canvases), r.stderr.strip()[:300]))
    if r.returncode:
        return
    model = build_twin(onnx_path, MASK_MODEL)
    rng = np.random.default_rng(4)
    cases = [  # name, (w, h), options, expected entry
        ("mask-landscape", (150, 100), ["--min-size", "96", "--max-size", "160"], 0),
        ("mask-portrait", (100, 150), ["--min-size", "96", "--max-size", "160"], 1),
        ("mask-square", (120, 120), ["--min-size", "96", "--max-size", "160"], 2),
        ("mask-tall-fit", (90, 200), [], 1),  # 600x1333 fits no canvas: the largest it fills most
        ("mask-wide-fit", (300, 110), [], 0),
    ]
    for name, (w, h), extra, entry in cases:
        a = rng.integers(0, 256, (h, w, 3), dtype=np.uint8)
        a[h // 5: h * 3 // 4, w // 4: w * 2 // 3] = (30, 160, 220)
        path = os.path.join(tmp, name + ".png")
        Image.fromarray(a).save(path)
        sizes = dict(zip(extra[::2], map(int, extra[1::2])))
        one_image(name, DETECT, lib, path, model, canvases[entry], tmp, extra=extra,
                  min_size=sizes.get("--min-size", 800), max_size=sizes.get("--max-size", 1333),
                  masked=True, entry=entry, entries=len(canvases))


def main():
    onnx_path = os.path.join(MODELS, MODEL + ".onnx")
    image = os.path.join(SRC, "examples", "detr", "images", "street.jpg")
    tmp = tempfile.mkdtemp(prefix="detr_example.")
    try:
        env = dict(os.environ, ONNXC=ONNXC, ONNXC_RUNTIME_DIR=os.path.join(os.path.dirname(ONNXC), "runtime"))
        exe = os.path.join(tmp, "detr_tiny")
        r = run(["sh", os.path.join(SRC, "examples", "detr", "build.sh"), onnx_path, exe], env=env)
        check(r.returncode == 0, "build.sh links detr_detect with %s%s" %
              (MODEL, "" if r.returncode == 0 else ": " + (r.stdout + r.stderr).strip()))
        if r.returncode:
            return 1
        lib = os.path.join(tmp, "libtiny.so")
        r = run([env.get("CC", "cc"), "-shared", "-o", lib, exe + ".model.o",
                 os.path.join(env["ONNXC_RUNTIME_DIR"], "libonnxc_rt.a")] +
                os.environ.get("LDFLAGS", "").split() + ["-lm", "-lpthread"])
        check(r.returncode == 0, "model library links (%s)" % r.stderr.strip())
        model = build_twin(onnx_path)
        canvas = (160, 128)
        portrait, grey = make_images(tmp)
        full = one_image("street", exe, "builtin", image, model, canvas, tmp, extra=["--repeat", "2"])
        top = os.path.join(tmp, "top.json")
        r = run([exe, "builtin", "--image", image, "--threshold", str(THRESHOLD), "--top", "2", "--json", top])
        check(r.returncode == 0 and full is not None and
              json.load(open(top))["detections"] == full["detections"][:2], "--top 2 keeps the two best")
        one_image("street-lib", DETECT, lib, image, model, canvas, tmp)
        one_image("portrait", DETECT, lib, portrait, model, canvas, tmp)
        one_image("grey", exe, "builtin", grey, model, canvas, tmp)
        one_image("street-small", exe, "builtin", image, model, canvas, tmp,
                  extra=["--min-size", "96", "--max-size", "150"], min_size=96, max_size=150)
        names = os.path.join(tmp, "names.txt")
        open(names, "w").write("zero\none\ntwo\n")
        out = one_image("named", exe, "builtin", image, model, canvas, tmp, extra=["--classes", names])
        if out:
            expect = lambda k: ["zero", "one", "two"][k] if k < 3 else "class %d" % k  # noqa: E731
            check(all(d["name"] == expect(d["label"]) for d in out["detections"]),
                  "--classes names detections (file's names, then 'class N')")
        bad_inputs(DETECT, lib, image, tmp)
        multi_shape_mask(tmp)
    finally:
        shutil.rmtree(tmp, ignore_errors=True)
    print("check_detr_example: %d passed, %d failed" % (passed[0], len(failures)))
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
