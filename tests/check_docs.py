#!/usr/bin/python3
"""Keeps the documentation true to the program, from ctest.

  check_docs.py ONNXC SOURCE_DIR

- docs/onnxc.1 renders with groff without a warning;
- every option in `onnxc --help` and `onnxc COMMAND --help` is described
  in the man page and in README.md;
- README.md's operator table is exactly `onnxc --list-ops`;
- README.md's passes list is the pipeline `onnxc inspect --help` prints;
- README.md's C example is examples/c_api/main.c (which ctest builds).
Exit status 0 only if every check holds."""
import re
import subprocess
import sys

bad = 0


def check(cond, what):
    global bad
    print(("ok   " if cond else "FAIL ") + what)
    bad += not cond


def out(*cmd):
    r = subprocess.run(list(cmd), capture_output=True, text=True)
    if r.returncode != 0:
        print(f"FAIL {' '.join(cmd)}: exit {r.returncode}: {r.stderr.strip()}")
        sys.exit(1)
    return r.stdout


def options(help_text):
    return sorted(set(re.findall(r"(?<![\w-])--[a-z][a-z-]*", help_text)))


def command_block(text, command):
    """The output shown in the ``` block that starts with `$ command`."""
    m = re.search(r"```[a-z]*\n\$ " + re.escape(command) + r"\n(.*?)```", text, re.S)
    return m.group(1) if m else None


def main():
    onnxc, src = sys.argv[1], sys.argv[2]
    man_src = open(f"{src}/docs/onnxc.1").read()
    r = subprocess.run(["groff", "-ww", "-man", "-Tutf8", f"{src}/docs/onnxc.1"], capture_output=True, text=True)
    check(r.returncode == 0 and not r.stderr, f"groff -ww renders the man page without warnings {r.stderr[:300]}")
    man = re.sub(r".\x08", "", r.stdout)  # overstrike bold/underline to plain text
    readme = open(f"{src}/README.md").read()
    helps = {"": out(onnxc, "--help")}
    for cmd in ("inspect", "run", "compile"):
        helps[cmd] = out(onnxc, cmd, "--help")
    for cmd, text in helps.items():
        opts = options(text)
        missing_man = [o for o in opts if o not in man]
        missing_readme = [o for o in opts if o not in readme]
        check(not missing_man, f"man page describes every option of `onnxc {cmd} --help` ({len(opts)}) "
              f"{missing_man}")
        check(not missing_readme, f"README describes every option of `onnxc {cmd} --help` {missing_readme}")
    check("--list-ops" in man and "--list-ops" in readme, "--list-ops documented")
    ops = out(onnxc, "--list-ops")
    table = command_block(readme, "onnxc --list-ops")
    check(table is not None and table.strip() == ops.strip(),
          "README's operator table is the output of `onnxc --list-ops`")
    passes = " ".join(helps["inspect"].split("Passes, in order:")[1].split("Exit status")[0].split())
    readme_passes = re.search(r"Passes, in order: ([a-z_` ]+)", readme.replace("\n", " "))
    check(readme_passes is not None and readme_passes.group(1).replace("`", "").split() == passes.split(),
          f"README lists the passes in pipeline order: {passes}")
    main_c = open(f"{src}/examples/c_api/main.c").read()
    check(f"```c\n{main_c}```" in readme, "README's C API example is examples/c_api/main.c")
    for env in ("ONNXC_NUM_THREADS", "ONNXC_PROFILE", "ONNXC_RUNTIME_DIR"):
        check(env in man_src and env in readme, f"{env} documented")
    return 1 if bad else 0


if __name__ == "__main__":
    sys.exit(main())
