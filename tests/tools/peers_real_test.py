#!/usr/bin/env python3
"""tools/peers/peers.py on the real published scripts, on the CPU, end to end: data cache from
the CIFAR-10 binary files, the CPU patches, one run, the report, bench/compare reading it.
Skipped (exit 0, "SKIP") unless CIFARBENCH_PEERS_DIR names the folder holding the checkouts:

    $CIFARBENCH_PEERS_DIR/hlb-CIFAR10       tysam-code/hlb-CIFAR10 at ad103b4 (v0.7.0)
    $CIFARBENCH_PEERS_DIR/cifar10-airbench  KellerJordan/cifar10-airbench at f1c599c
    $CIFARBENCH_PEERS_DIR/cifar10-speedrun  hiverge/cifar10-speedrun at 5cd49b1

The scripts run under CIFARBENCH_PEERS_PYTHON (default: python3), which must import torch and
torchvision; CIFAR-10 is read from CIFARBENCH_CIFAR10_DIR (default ../shared/cifar10 beside
the source tree). Each script's work folder is removed after it passes (kept on failure or with
CIFARBENCH_PEERS_KEEP=1). Each script: one run, one-eighth width, a few steps (docs/peers.md has the
costs). Under Bazel pass the variables on: --test_env=CIFARBENCH_PEERS_DIR ...

    tests/tools/peers_real_test.py --compare=PATH_TO_COMPARE_BINARY
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.realpath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOOL = os.path.join(ROOT, "tools", "peers", "peers.py")

CASES = [
    # recipe, subfolder, arguments, the lowest accuracy that says it learned (chance: 0.10)
    ("hlb_record", "hlb-CIFAR10", ["--epochs=0.1", "--widths=8,32,64"], 0.15),
    ("airbench94_muon", "cifar10-airbench", ["--epochs=1", "--widths=8,32,32"], 0.25),
    ("airbench94", "cifar10-airbench", ["--epochs=1", "--widths=8,32,32"], 0.25),
    ("hiverge_record", "cifar10-speedrun", ["--epochs=1", "--widths=8,32,32"], 0.25),
]


def main():
    p = argparse.ArgumentParser()
    p.add_argument("--compare", default="")
    p.add_argument("--skip_code", type=int, default=0, help="exit status when skipped (ctest: 77)")
    a = p.parse_args()
    peers_dir = os.environ.get("CIFARBENCH_PEERS_DIR", "")
    if not peers_dir:
        print("SKIP: CIFARBENCH_PEERS_DIR is not set (the folder holding the originals' checkouts)")
        return a.skip_code
    python = os.environ.get("CIFARBENCH_PEERS_PYTHON", "python3")
    data = os.environ.get("CIFARBENCH_CIFAR10_DIR", os.path.join(os.path.dirname(ROOT), "shared", "cifar10"))
    failures = 0
    for recipe, sub, extra, floor in CASES:
        work = tempfile.mkdtemp(prefix="peers_real_%s." % recipe, dir=os.environ.get("TEST_TMPDIR"))
        out = os.path.join(work, "report.json")
        cmd = [python, TOOL, "run", "--checkout=" + os.path.join(peers_dir, sub), "--recipe=" + recipe,
               "--runs=1", "--device=cpu", "--threads=2", "--data_dir=" + data,
               "--work=" + os.path.join(work, "w"), "--out=" + out, "--timeout=300"] + extra  # the issue: at most 5 minutes each
        print("$ " + " ".join(cmd), flush=True)
        r = subprocess.run(cmd)
        problems = []
        if r.returncode != 0:
            problems.append("exit status %d" % r.returncode)
        if os.path.exists(out):
            with open(out) as f:
                rep = json.load(f)
            run = rep["runs"][0] if rep["runs"] else {}
            if run.get("status") not in ("RUN_STATUS_OK", "OK"):  # report schema 3, and 1-2
                problems.append("status %s: %s" % (run.get("status"), run.get("message")))
            if "(pristine)" not in rep["context"]["build_type"]:
                problems.append("the checkout's file is not the published one: " + rep["context"]["build_type"])
            if run.get("headline_accuracy", 0) < floor:
                problems.append("accuracy %s < %s" % (run.get("headline_accuracy"), floor))
            t = run.get("timings", {})
            if max(t.get("train_s", 0), t.get("time_to_result_s", 0)) <= 0:
                problems.append("no time parsed")
            print("%s: accuracy %s, train_s %s, time_to_result_s %s, wall_s %s, process %s" % (
                recipe, run.get("headline_accuracy"), t.get("train_s"), t.get("time_to_result_s"),
                t.get("wall_s"), next((l for l in run.get("config_text", "").splitlines()
                                       if l.startswith("process_wall_s")), "")))
            if a.compare:
                c = subprocess.run([a.compare, out, out, "--base_label=python", "--new_label=python"],
                                   capture_output=True, text=True)
                if c.returncode != 0:
                    problems.append("compare exit %d: %s" % (c.returncode, c.stderr))
        else:
            problems.append("no report written")
        print("%s: %s" % (recipe, "PASS" if not problems else "FAIL: " + "; ".join(problems)), flush=True)
        if not problems and not os.environ.get("CIFARBENCH_PEERS_KEEP"):
            shutil.rmtree(work, ignore_errors=True)  # hlb's data.pt alone is 740 MB
        else:
            print("kept %s (its stdout.log, patched script and report)" % work)
        failures += bool(problems)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
