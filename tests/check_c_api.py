#!/usr/bin/python3
"""The installed package, used the way a user would, from ctest.

  check_c_api.py BUILD_DIR SOURCE_DIR MODEL

Installs BUILD_DIR to a temporary prefix (`cmake --install --prefix`), has
the installed onnxc compile MODEL to an object file and header, builds the
out-of-tree program examples/c_api against that prefix twice (CMake with
find_package(onnxc_rt) and the static runtime; make with pkg-config and the
shared one), runs both and checks the numbers they print against the
reference engine's (`onnxc run --engine ref`) on the same input, within
rtol 1e-3, atol 1e-4. The installed compiler must also link an executable
against the installed runtime on its own. Exit status 0 only if all hold."""
import glob
import os
import re
import subprocess
import sys
import tempfile

import numpy as np

bad = 0


def check(cond, what):
    global bad
    print(("ok   " if cond else "FAIL ") + what)
    bad += not cond


def run(*cmd, env=None, cwd=None):
    r = subprocess.run(list(cmd), capture_output=True, text=True, env=env, cwd=cwd)
    if r.returncode != 0:
        print(f"FAIL {' '.join(cmd)}: exit {r.returncode}\n{r.stdout[-2000:]}{r.stderr[-2000:]}")
        sys.exit(1)
    return r.stdout


def printed_outputs(text):
    """{output name: (values printed, sum)} from the example's output."""
    outs = {}
    for m in re.finditer(r"^output (\S+) float32\[[\d,]*\]:([^\n]*)\n  sum (\S+) over (\d+) values", text, re.M):
        vals = [float(v) for v in m.group(2).replace("...", "").split()]
        outs[m.group(1)] = (np.array(vals), float(m.group(3)), int(m.group(4)))
    return outs


def compare(what, text, ref_dir):
    outs = printed_outputs(text)
    check(len(outs) > 0, f"{what}: prints its outputs")
    for name, (vals, total, n) in outs.items():
        ref = np.load(os.path.join(ref_dir, name + ".npy")).astype(np.float64).ravel()
        close = n == ref.size and np.allclose(vals, ref[:len(vals)], rtol=1e-3, atol=1e-4)
        close = close and abs(total - ref.sum()) <= 1e-4 * ref.size + 1e-3 * np.abs(ref).sum()
        check(close, f"{what}: output {name} ({n} values, sum {total:.6g}) equals the reference engine's "
              f"(sum {ref.sum():.6g})")


def main():
    build, src, model = (os.path.abspath(a) for a in sys.argv[1:4])
    with tempfile.TemporaryDirectory() as tmp:
        prefix, work = os.path.join(tmp, "prefix"), os.path.join(tmp, "work")
        os.makedirs(work)
        run("cmake", "--install", build, "--prefix", prefix)
        onnxc = os.path.join(prefix, "bin", "onnxc")
        man = glob.glob(os.path.join(prefix, "share", "man", "man1", "onnxc.1"))
        check(len(man) == 1, "man page installed to share/man/man1")
        pcs = glob.glob(os.path.join(prefix, "**", "onnxc_rt.pc"), recursive=True)
        check(len(pcs) == 1, "pkg-config file installed")
        env = dict(os.environ, PKG_CONFIG_PATH=os.path.dirname(pcs[0]))
        env.pop("ONNXC_RUNTIME_DIR", None)

        # the input the example makes, and the reference engine's outputs for it
        names = re.findall(r"^  (\S+)\s+float32\[([\d,]+)\]", run(onnxc, "inspect", model).split("outputs")[0], re.M)
        args = []
        for name, dims in names:
            shape = [int(d) for d in dims.split(",")]
            x = (((np.arange(np.prod(shape)) % 7) - 3) / 4).astype(np.float32).reshape(shape)
            np.save(os.path.join(work, name + ".npy"), x)
            args += ["--input", f"{name}={os.path.join(work, name + '.npy')}"]
        ref = os.path.join(work, "ref")
        run(onnxc, "run", model, "--engine", "ref", *args, "--output-dir", ref)

        run(onnxc, "compile", model, "-o", os.path.join(work, "net.o"), "--emit", "obj", "-q", env=env)
        check(os.path.exists(os.path.join(work, "net.h")), "installed onnxc writes net.o and net.h")
        example = os.path.join(src, "examples", "c_api")
        cm = os.path.join(work, "cmake")
        run("cmake", "-S", example, "-B", cm, f"-DCMAKE_PREFIX_PATH={prefix}", f"-DNET_DIR={work}", env=env)
        run("cmake", "--build", cm, env=env)
        compare("CMake build (find_package, static runtime)", run(os.path.join(cm, "app"), env=env), ref)

        mk = os.path.join(work, "make")
        os.makedirs(mk)
        run("make", "-s", "-f", os.path.join(example, "Makefile"), f"NET_DIR={work}", f"O={mk}", env=env, cwd=work)
        text = run(os.path.join(mk, "app"), env=env)
        compare("make build (pkg-config, shared runtime)", text, ref)
        ldd = run("ldd", os.path.join(mk, "app"))
        check(prefix in ldd, "the make build loads libonnxc_rt.so from the install prefix")

        exe = os.path.join(work, "exe")
        run(onnxc, "compile", model, "-o", exe, "-q", env=env)
        out = os.path.join(work, "exe-out")
        run(exe, *args, "--output-dir", out, env=env)
        ok = all(np.allclose(np.load(os.path.join(out, f)), np.load(os.path.join(ref, f)), rtol=1e-3, atol=1e-4)
                 for f in os.listdir(ref))
        check(ok, "the installed onnxc links an executable with the installed runtime; its outputs agree")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
