#!/usr/bin/python3
"""Builds every test model and fixture into OUT (the build folder's models/).

Each tests/models/gen_*.py is run as `gen_X.py OUT/X`; a generator skips work
whose outputs are already there (the cache), so only the first ctest run of a
build folder pays for DETR exports. Run with Debian's /usr/bin/python3."""
import os
import subprocess
import sys
import time

out = sys.argv[1]
here = os.path.dirname(os.path.abspath(__file__))
gens = sorted(f for f in os.listdir(os.path.join(here, "models"))
              if f.startswith("gen_") and f.endswith(".py"))
failed = []
for g in gens:
    name = g[4:-3]
    t = time.time()
    r = subprocess.run([sys.executable, os.path.join(here, "models", g),
                        os.path.join(out, name)])
    print(f"{g}: exit {r.returncode} in {time.time() - t:.1f}s", flush=True)
    if r.returncode:
        failed.append(g)
if failed:
    sys.exit("generators failed: " + ", ".join(failed))
