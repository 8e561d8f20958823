#!/usr/bin/env python3
"""Every --set and --grid field path that the docs and scripts show resolves.

Reads README.md, docs/*.md, tools/*.sh, tools/*/*.sh and tests/tools/*.sh (paths relative to
the source root given by --root), extracts each `--set PATH=VALUE` and `--grid PATH=V1,...`
written as a command (error messages quoted in the docs, "--set 'x': ...", are skipped), and
runs `bench --print_config` with it on a recipe of the path's plugin (hlb.* -> hlb_record,
page.* -> page_resnet9, airbench.* -> airbench94_muon, shared fields -> hlb_record). Each must load (exit 0). Fails also when
fewer than 10 paths were found (the extraction broke).

    set_paths_test.py --bench=BIN --root=DIR
"""
import argparse
import glob
import os
import re
import subprocess
import sys

# --set PATH=VALUE or --grid PATH=V1,V2 (optionally quoted), not followed by "':" (a quoted
# error message).
FLAG = re.compile(r"--(set|grid)[ =](['\"]?)([a-z_][a-z0-9_]*(?:\[\d+\])?(?:\.[a-z_][a-z0-9_]*(?:\[\d+\])?)*)=([^'\"\s`|)]*)\2(?!:)")


def sources(root):
    patterns = ["README.md", "docs/*.md", "tools/*.sh", "tools/*/*.sh", "tests/tools/*.sh"]
    for pattern in patterns:
        for path in sorted(glob.glob(os.path.join(root, pattern))):
            yield os.path.relpath(path, root)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--bench", required=True)
    parser.add_argument("--root", required=True)
    args = parser.parse_args()
    found = {}
    for rel in sources(args.root):
        with open(os.path.join(args.root, rel), encoding="utf-8") as f:
            for number, line in enumerate(f, 1):
                for m in FLAG.finditer(line):
                    kind, path, value = m.group(1), m.group(3), m.group(4)
                    if path.split(".")[0] == "field":
                        continue  # the placeholder of usage lines (field.path=value)
                    if kind == "grid":
                        value = value.split(";")[0] if ";" in value else value.split(",")[0]
                    found.setdefault((path, value), f"{rel}:{number}")
    if len(found) < 10:
        print(f"only {len(found)} --set/--grid paths found: the extraction is broken", file=sys.stderr)
        return 1
    failures = 0
    for (path, value), where in sorted(found.items()):
        recipe = ("page_resnet9" if path.startswith("page.") else
                  "airbench94_muon" if path.startswith("airbench.") else "hlb_record")
        cmd = [args.bench, f"--recipe={recipe}", "--print_config", "--set", f"{path}={value}"]
        result = subprocess.run(cmd, capture_output=True, text=True)
        status = "ok" if result.returncode == 0 else f"FAILED (exit {result.returncode})"
        print(f"{where}: --set {path}={value} on {recipe}: {status}")
        if result.returncode != 0:
            print("  " + (result.stderr or result.stdout).strip(), file=sys.stderr)
            failures += 1
    print(f"{len(found)} paths, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
