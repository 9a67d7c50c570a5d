#!/usr/bin/python3
"""Runs `onnxc inspect -O` on every hostile model (tests/models/gen_hostile.py)
under a 4 GiB address-space limit and a 60 s timeout, and checks: the exit
status the case expects (1 with a message, or 0 where the model is valid but
absurd), the expected text in the output, no signal (no crash), a bounded
message (no line over 2,000 bytes, however long the model's names), and the
peak RSS, which is printed per case and must stay under 1 GiB.
  check_hostile.py ONNXC DIR [asan]
With `asan` (the sanitizer build) the memory limits are not applied (ASan
reserves terabytes of shadow address space) and any sanitizer report fails
the case."""
import json
import os
import resource
import subprocess
import sys

LIMIT_AS = 4 << 30
LIMIT_RSS_KB = 1 << 20


def limit():
    resource.setrlimit(resource.RLIMIT_AS, (LIMIT_AS, LIMIT_AS))


def run_case(onnxc, path, asan):
    p = subprocess.Popen([onnxc, "inspect", "-O", path], stdout=subprocess.PIPE, stderr=subprocess.STDOUT,
                         preexec_fn=None if asan else limit)
    try:
        out, _ = p.communicate(timeout=60)
    except subprocess.TimeoutExpired:
        p.kill()
        return None, b"timeout", 0
    ru = resource.getrusage(resource.RUSAGE_CHILDREN)
    return p.returncode, out, ru.ru_maxrss


def main():
    onnxc, d = sys.argv[1], sys.argv[2]
    asan = len(sys.argv) > 3 and sys.argv[3] == "asan"
    cases = json.load(open(os.path.join(d, "cases.json")))
    bad = 0
    for c in cases:
        rc, out, rss = run_case(onnxc, os.path.join(d, c["name"] + ".onnx"), asan)
        text = out.decode("utf-8", "replace")
        first = text.strip().splitlines()[0] if text.strip() else ""
        problems = []
        if rc is None or rc < 0:
            problems.append("crashed or hung (%s)" % rc)
        elif rc != c["exit"]:
            problems.append("exit %d, expected %d" % (rc, c["exit"]))
        if c["expect"] and c["expect"] not in text:
            problems.append("no '%s' in the output" % c["expect"])
        if any(len(line) > 2000 for line in text.splitlines()):
            problems.append("a line over 2,000 bytes")
        if "Sanitizer" in text or "runtime error:" in text:
            problems.append("sanitizer report")
        if rss > LIMIT_RSS_KB and not asan:
            problems.append("peak RSS %d KB" % rss)
        bad += bool(problems)
        print("%-4s %-34s exit %-4s %s" % ("FAIL" if problems else "ok", c["name"], rc,
                                             "; ".join(problems) if problems else first[:150]))
    print("%d hostile models, %d failed; peak RSS of any run %d KB (bound %d KB)" %
          (len(cases), bad, resource.getrusage(resource.RUSAGE_CHILDREN).ru_maxrss, LIMIT_RSS_KB))
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
