#!/usr/bin/env python3
"""Side by side with the published Python: run an original CIFAR-10 speedrun script on this
machine and turn its printed output into a cifarbench bench report (proto/report.proto, the
JSON that `bench --out` writes), so that `bench/compare` can put it beside cifarbench's runs.

    python3 tools/peers/peers.py run --checkout=DIR --recipe=hlb_record --runs=5 \
        --device=cuda --out=hlb_record.python.json
    python3 tools/peers/peers.py parse --recipe=hlb_record --log=run.log --out=report.json
    python3 tools/peers/peers.py patches        # the patch table, as Markdown

`run` (a) writes the script's data cache from the project's CIFAR-10 binary files (nothing
touches the network), (b) copies the script into a work folder with the text patches of
PATCHES applied (on a GPU only the run count; --device=cpu adds the CPU mode), (c) runs it with
the interpreter that runs this tool, timestamping every line it prints (the per-process wall
clock), (d) parses each run's headline accuracy and time as the script prints them and
(e) writes the report. It never downloads code or data and never changes GPU clocks or power
settings (it reads them with nvidia-smi). docs/peers.md has the table, the commands and costs.

Standard library only; torch is imported only to write the data cache (by `run`).
"""

import argparse
import hashlib
import json
import math
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import threading
import time

REPORT_SCHEMA_VERSION = 3  # core/report_io.h kReportSchemaVersion (3: RunStatus names prefixed)

# ---- The published scripts ----------------------------------------------------------------

# Each original: where it is published, the file's sha256 at that commit, the folder a user's
# checkout is expected in under CIFARBENCH_PEERS_DIR, its data cache, and its timed region.
PEERS = {
    "hlb_record": dict(
        repository="tysam-code/hlb-CIFAR10", tag="v0.7.0",
        commit="ad103b43d29f08b348b522ad89d38beba8955f7c", file="main.py",
        sha256="3e2d0c1512bcef3eebff979644a49038cd677e88efbafd67260f0642b2dff546",
        subfolder="hlb-CIFAR10", cache="hlb", headline="ema+flip_tta", time_field="train_s",
        timed_region=(
            "the original's printed total_time_seconds: the training epochs only (CUDA events "
            "around each epoch's loop, synchronised; augmentation, optimiser steps and EMA "
            "included; data loading, network construction, whitening and dirac init and every "
            "evaluation excluded), summed over the epochs; cifarbench's train_s. Headline: the "
            "EMA network's final ema_val_acc (main.py L525-660), which includes flip TTA: the EMA "
            "copy is kept in eval mode (L441) and SpeedyConvNet.forward in eval mode concatenates "
            "the flipped batch and averages the two predictions (L296-309), the same evaluation "
            "as cifarbench's ema+flip_tta")),
    "airbench94_muon": dict(
        repository="KellerJordan/cifar10-airbench", tag="",
        commit="f1c599c4af24aca803e3e65a6a7e52a502e09d0e", file="airbench94_muon.py",
        sha256="704e29251a5207d8aed8a35adf13f772ff386b90a712aaddc2a28854385b536e",
        subfolder="cifar10-airbench", cache="airbench", headline="live+tta_level2",
        time_field="time_to_result_s",
        timed_region=(
            "the original's printed time_seconds on each run's eval row: the whitening init + "
            "every epoch's training loop + the final TTA evaluation (level 2, 6 views), CUDA "
            "events summed, each interval synchronised; data loading, model.reset, optimiser "
            "construction, the per-epoch evaluation and the untimed warm-up run (random labels, "
            "absorbs torch.compile max-autotune) excluded; cifarbench's time_to_result_s "
            "(airbench94_muon.py L340-432)")),
    "airbench94": dict(
        repository="KellerJordan/cifar10-airbench", tag="",
        commit="f1c599c4af24aca803e3e65a6a7e52a502e09d0e", file="legacy/airbench94.py",
        sha256="0b155e0ff0e696bc01ae136654ddae88a24cd053cd2b4313d44548c29ed6c91d",
        subfolder="cifar10-airbench", cache="airbench", headline="live+tta_level2",
        time_field="time_to_result_s",
        timed_region=(
            "the original's printed total_time_seconds on each run's eval row: whitening init + "
            "every epoch (lookahead included) + the final TTA evaluation, CUDA events summed; "
            "data loading, network construction and the per-epoch evaluation excluded. Its "
            "warm-up is commented out (L473), so the first run pays cuDNN autotuning inside its "
            "time; cifarbench's time_to_result_s (legacy/airbench94.py L350-466)")),
    "hiverge_record": dict(
        repository="hiverge/cifar10-speedrun", tag="",
        commit="5cd49b1e586f473b535cdeee69fe8ad5b6e9618b", file="cifar10_speedrun.py",
        sha256="d1e1f6991cc3e1758c0bbc0e728c86a4b3119dd42a9233075b2edb9735d0ba91",
        subfolder="cifar10-speedrun", cache="airbench", headline="live+selective_tta",
        time_field="time_to_result_s",
        timed_region=(
            "the original's printed time_seconds: one interval from just before the whitening to "
            "just after the selective TTA (CUDA events, synchronised); data loading and the "
            "untimed warm-up run (random images and labels) excluded. Before each run the "
            "script spins the GPU with torch.cuda._sleep(6e9 cycles) (about 4 s), outside its "
            "timer: that sleep is in the wall clock only; cifarbench's time_to_result_s "
            "(cifar10_speedrun.py L594-758)")),
}

# ---- The text patches: the one table of every change made to a script ---------------------

# mode "all": always applied (on a GPU these are the only changes); "cpu": --device=cpu only.
# `old` must occur exactly `count` times in the file, or the tool stops: a script that differs
# from the published one fails loudly instead of running half-patched. `new` may hold
# {runs}, {epochs}, {base_depth}, {w1}, {w2}, {w3}, filled from the command line.
CPU_EVENTS = ("[type('CpuEvent', (), {'record': lambda s: setattr(s, 't', "
              "__import__('time').perf_counter()), 'elapsed_time': lambda s, o: 1e3 * (o.t - s.t)})"
              "() for _ in range(2)]")
PATCHES = [
    # hlb-CIFAR10 main.py
    dict(recipe="hlb_record", mode="all", old="for run_num in range(25):",
         new="for run_num in range({runs}):", count=1, why="run count (25 in the original)"),
    dict(recipe="hlb_record", mode="cpu", old="'device': 'cuda',", new="'device': 'cpu',",
         count=1, why="CPU mode: the device"),
    dict(recipe="hlb_record", mode="cpu", old="net.half() # Convert", new="net.float() # Convert",
         count=1, why="CPU mode: fp32 network (the data cache is written in fp32 too)"),
    dict(recipe="hlb_record", mode="cpu", old="torch.randperm(inputs.shape[0], device='cuda')",
         new="torch.randperm(inputs.shape[0], device=inputs.device)", count=1,
         why="CPU mode: cutmix's permutation on the data's device"),
    dict(recipe="hlb_record", mode="cpu", old="torch.randperm(num_epoch_examples, device='cuda')",
         new="torch.randperm(num_epoch_examples, device=hyp['misc']['device'])", count=1,
         why="CPU mode: the epoch's shuffle on the data's device"),
    dict(recipe="hlb_record", mode="cpu",
         old="starter, ender = torch.cuda.Event(enable_timing=True), torch.cuda.Event(enable_timing=True)",
         new="starter, ender = " + CPU_EVENTS, count=1,
         why="CPU mode: time.perf_counter in place of CUDA events (same region)"),
    dict(recipe="hlb_record", mode="cpu", old="'base_depth': 64", new="'base_depth': {base_depth}",
         count=1, why="CPU mode: width (base_depth b gives widths b/4b/8b; 16 = quarter width)"),
    dict(recipe="hlb_record", mode="cpu", old="'train_epochs': 12.1,",
         new="'train_epochs': {epochs},", count=1, why="CPU mode: epochs"),
    # cifar10-airbench airbench94_muon.py
    dict(recipe="airbench94_muon", mode="all", old="for run in range(200)]",
         new="for run in range({runs})]", count=1, why="run count (200 in the original)"),
    dict(recipe="airbench94_muon", mode="cpu", old="@torch.compile\ndef zeropower_via_newtonschulz5",
         new="def zeropower_via_newtonschulz5", count=1, why="CPU mode: no torch.compile"),
    dict(recipe="airbench94_muon", mode="cpu", old="X = G.bfloat16()", new="X = G.float()",
         count=1, why="CPU mode: Newton-Schulz in fp32 (bf16 matmuls are slow on CPU)"),
    dict(recipe="airbench94_muon", mode="cpu", old="            else:\n                mod.half()",
         new="            else:\n                mod.float()", count=1, why="CPU mode: fp32 network"),
    dict(recipe="airbench94_muon", mode="cpu", old="total_train_steps = ceil(8 * len(train_loader))",
         new="total_train_steps = ceil({epochs} * len(train_loader))", count=1, why="CPU mode: epochs"),
    # cifar10-airbench legacy/airbench94.py
    dict(recipe="airbench94", mode="all", old="for run in range(25)]",
         new="for run in range({runs})]", count=1, why="run count (25 in the original)"),
    dict(recipe="airbench94", mode="cpu", old="map_location=torch.device(gpu)",
         new="map_location=torch.device('cpu')", count=1, why="CPU mode: load the data cache to the CPU"),
    dict(recipe="airbench94", mode="cpu", old="net = net.half().cuda()", new="net = net.float()",
         count=1, why="CPU mode: fp32 network on the CPU"),
    dict(recipe="airbench94", mode="cpu",
         old="'block1': 64,\n            'block2': 256,\n            'block3': 256,",
         new="'block1': {w1},\n            'block2': {w2},\n            'block3': {w3},", count=1,
         why="CPU mode: widths (16/64/64 = quarter width; the head scales by 1/9 whatever the width)"),
    dict(recipe="airbench94", mode="cpu", old="'train_epochs': 9.9,", new="'train_epochs': {epochs},",
         count=1, why="CPU mode: epochs"),
    # hiverge cifar10_speedrun.py (its torch.cuda._sleep stays: accounted outside its timer)
    dict(recipe="hiverge_record", mode="all", old="for run in range(200):",
         new="for run in range({runs}):", count=1, why="run count (200 in the original)"),
    dict(recipe="hiverge_record", mode="cpu", old="@torch.compile(",
         new="@(lambda *args, **kwargs: lambda f: f)(", count=7,
         why="CPU mode: no torch.compile (each of the seven decorators becomes the identity; the "
             "arguments stay)"),
    dict(recipe="hiverge_record", mode="cpu", old="        for mod in self.modules():\n            mod.half()",
         new="        for mod in self.modules():\n            mod.float()", count=1,
         why="CPU mode: fp32 network (BatchNorm included; fp16 on the GPU)"),
    dict(recipe="hiverge_record", mode="cpu", old="        ).pin_memory().contiguous()",
         new="        ).contiguous()", count=1,
         why="CPU mode: no pinned memory (it needs CUDA; the buffer is never read)"),
    dict(recipe="hiverge_record", mode="cpu",
         old='self._indices = torch.empty(len(self.images), dtype=torch.long, device="cuda")',
         new="self._indices = torch.empty(len(self.images), dtype=torch.long, device=self.images.device)",
         count=1, why="CPU mode: the shuffle's index buffer on the data's device"),
    dict(recipe="hiverge_record", mode="cpu", old="total_train_steps = ceil(7.59 * len(train_loader))",
         new="total_train_steps = ceil({epochs} * len(train_loader))", count=1, why="CPU mode: epochs"),
    dict(recipe="hiverge_record", mode="cpu", old="        torch.cuda._sleep(int(6000000000))\n",
         new="", count=1, why="CPU mode: no GPU to spin before each run (outside its timer)"),
]
# CPU-mode patches whose text is the same in several scripts: one entry each, with the number
# of times each published file holds the old text.
PATCHES += [dict(recipe=r, mode="cpu", old="torch.cuda.synchronize()", new="torch.cpu.synchronize()",
                 count=n, why="CPU mode: no CUDA to synchronise")
            for r, n in (("hlb_record", 3), ("airbench94_muon", 1), ("airbench94", 3),
                         ("hiverge_record", 2))]
PATCHES += [patch for r in ("airbench94_muon", "airbench94", "hiverge_record") for patch in (
    dict(recipe=r, mode="cpu", old="(self.images.half() / 255)", new="(self.images.float() / 255)",
         count=1, why="CPU mode: fp32 images"),
    dict(recipe=r, mode="cpu",
         old="starter = torch.cuda.Event(enable_timing=True)\n    ender = torch.cuda.Event(enable_timing=True)",
         new="starter, ender = " + CPU_EVENTS, count=1,
         why="CPU mode: time.perf_counter in place of CUDA events (same region)"))]
PATCHES += [patch for r in ("airbench94_muon", "hiverge_record") for patch in (
    dict(recipe=r, mode="cpu", old='map_location=torch.device("cuda")',
         new='map_location=torch.device("cpu")', count=1, why="CPU mode: load the data cache to the CPU"),
    dict(recipe=r, mode="cpu", old="widths = dict(block1=64, block2=256, block3=256)",
         new="widths = dict(block1={w1}, block2={w2}, block3={w3})", count=1,
         why="CPU mode: widths (16/64/64 = quarter width)"),
    dict(recipe=r, mode="cpu", old="return self.head(x) / x.size(-1)",
         new="return self.head(x) / 256", count=1,
         why="CPU mode: the head keeps the full width's divisor 256 (issue 9), not the narrower width"),
    dict(recipe=r, mode="cpu", old="model = CifarNet().cuda().to(",
         new="model = CifarNet().to(", count=1, why="CPU mode: the network stays on the CPU"),
    dict(recipe=r, mode="cpu", old='    model.compile(mode="max-autotune")\n',
         new="", count=1, why="CPU mode: no torch.compile"),
    dict(recipe=r, mode="cpu", old='    main("warmup", model)\n', new="", count=1,
         why="CPU mode: no warm-up run (it warms torch.compile and cuDNN, neither used on CPU; "
             "cifarbench warms up on CUDA only); it would double the CPU cost"))]
# mode "no_torchvision": only where the interpreter has no torchvision (the tool probes it).
# The scripts import it for the download branch, which the data cache makes dead, and the
# airbench family for T.Normalize, replaced by the same arithmetic (torchvision 0.26's
# F.normalize: (x - mean) / std, per channel, in the image's dtype).
NORMALIZE = "\n".join([
    "class T:  # tools/peers: torchvision is missing; Normalize as torchvision computes it",
    "    class Normalize:",
    "        def __init__(self, mean, std):",
    "            self.mean, self.std = mean, std",
    "        def __call__(self, x):",
    "            m = torch.as_tensor(self.mean, dtype=x.dtype, device=x.device).view(-1, 1, 1)",
    "            s = torch.as_tensor(self.std, dtype=x.dtype, device=x.device).view(-1, 1, 1)",
    "            return (x - m) / s"])
PATCHES += [
    dict(recipe="hlb_record", mode="no_torchvision",
         old="import torchvision\nfrom torchvision import transforms",
         new="transforms = None  # tools/peers: torchvision is missing; data.pt exists", count=1,
         why="no torchvision: only its download branch uses it, never taken with the data cache"),
] + [dict(recipe=r, mode="no_torchvision", old="import torchvision\nimport torchvision.transforms as T",
          new=NORMALIZE, count=1,
          why="no torchvision: T.Normalize by the same arithmetic; the download branch is never taken")
     for r in ("airbench94_muon", "airbench94", "hiverge_record")]
# Recipes with a CPU mode in PATCHES, in the table's order.
CPU_RECIPES = tuple(dict.fromkeys(p["recipe"] for p in PATCHES if p["mode"] == "cpu"))


class PeerError(Exception):
    """A clear, user-facing failure (exit status 2)."""


def patches_for(recipe, device, torchvision=True):
    cpu = not device.startswith("cuda")
    if cpu and recipe not in CPU_RECIPES:
        raise PeerError("%s has no CPU mode (PATCHES covers %s); run it with --device=cuda"
                        % (recipe, ", ".join(CPU_RECIPES)))
    modes = {"all"} | ({"cpu"} if cpu else set()) | (set() if torchvision else {"no_torchvision"})
    return [p for p in PATCHES if p["recipe"] == recipe and p["mode"] in modes]


def apply_patches(text, patches, values, path="script"):
    """Returns (patched text, list of applied patches with `new` filled in)."""
    applied = []
    for p in patches:
        n = text.count(p["old"])
        if n != p["count"]:
            raise PeerError("%s: patch '%s' expects its old text %r %d time(s), found %d: is this "
                            "the published file?" % (path, p["why"], p["old"], p["count"], n))
        new = p["new"]
        for k, v in values.items():  # not str.format: some `new` texts hold braces
            new = new.replace("{%s}" % k, str(v))
        text = text.replace(p["old"], new)
        applied.append(dict(p, new=new))
    return text, applied


def patch_table_markdown():
    rows = ["| recipe | mode | old | new | count | why |", "| --- | --- | --- | --- | --- | --- |"]
    esc = lambda s: "`" + s.replace("\n", "⏎").replace("|", "\\|") + "`" if s else "(deleted)"
    for p in PATCHES:
        new = {"starter, ender = " + CPU_EVENTS: "starter, ender = [CpuEvent() x 2] (perf_counter)",
               NORMALIZE: "class T: class Normalize: (x - mean) / std per channel"}.get(p["new"], p["new"])
        rows.append("| %s (%s) | %s | %s | %s | %d | %s |" % (
            p["recipe"], PEERS[p["recipe"]]["file"], p["mode"], esc(p["old"]), esc(new),
            p["count"], p["why"]))
    return "\n".join(rows) + "\n"


def sha256_file(path):
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()

# ---- Data: the project's CIFAR-10 binary files -> each script's cache ------------------------

CLASSES = ["airplane", "automobile", "bird", "cat", "deer", "dog", "frog", "horse", "ship", "truck"]
RECORD = 3073


def read_cifar_bin(data_dir, train):
    """(labels bytes, images bytes in N x 3 x 32 x 32 order) in the official order."""
    files = ["data_batch_%d.bin" % i for i in range(1, 6)] if train else ["test_batch.bin"]
    labels, images = bytearray(), bytearray()
    for name in files:
        path = os.path.join(data_dir, name)
        if not os.path.exists(path):
            raise PeerError("%s: missing (the CIFAR-10 binary files: tools/fetch_cifar10.sh)" % path)
        with open(path, "rb") as f:
            raw = f.read()
        if len(raw) % RECORD:
            raise PeerError("%s: %d bytes, not a multiple of %d" % (path, len(raw), RECORD))
        for i in range(0, len(raw), RECORD):
            labels.append(raw[i])
            images += raw[i + 1:i + RECORD]
    return bytes(labels), bytes(images)


def write_data_cache(kind, data_dir, work, device):
    """Writes what the script's loader reads, so it never downloads: hlb's data.pt
    (main.py L86-137: {'train','eval'} x {'images' normalised by the training set's own
    per-channel mean and std, 'targets' one-hot}, fp16 on CUDA, fp32 in CPU mode, on the device
    the script runs on) or airbench's and hiverge's cifar10/{train,test}.pt (airbench94_muon.py
    L120-128: {'images' uint8 N x 32 x 32 x 3, 'labels' int64, 'classes'}). Official order: the
    airbench family whitens from the first 5,000 (hiverge: 960) training images."""
    import torch  # only here: the rest of the tool runs without torch
    out = []
    tensors = {}
    for train in (True, False):
        labels, images = read_cifar_bin(data_dir, train)
        x = torch.frombuffer(bytearray(images), dtype=torch.uint8).view(-1, 3, 32, 32)
        y = torch.frombuffer(bytearray(labels), dtype=torch.uint8).long()
        tensors[train] = (x, y)
    if kind == "hlb":
        dtype = torch.float16 if device.startswith("cuda") else torch.float32
        x_train = tensors[True][0].float().div(255)
        std, mean = torch.std_mean(x_train, dim=(0, 2, 3))
        data = {}
        for key, train in (("train", True), ("eval", False)):
            x, y = tensors[train]
            x = ((x.float().div(255) - mean.view(1, -1, 1, 1)) / std.view(1, -1, 1, 1))
            data[key] = {"images": x.to(device=device, dtype=dtype),
                         "targets": torch.nn.functional.one_hot(y, 10).to(device=device, dtype=dtype)}
        path = os.path.join(work, "data.pt")
        torch.save(data, path)
        out.append(path)
    else:
        os.makedirs(os.path.join(work, "cifar10"), exist_ok=True)
        for name, train in (("train.pt", True), ("test.pt", False)):
            x, y = tensors[train]
            path = os.path.join(work, "cifar10", name)
            torch.save({"images": x.permute(0, 2, 3, 1).contiguous(), "labels": y,
                        "classes": list(CLASSES)}, path)
            out.append(path)
    return out

# ---- Parsing what the scripts print ----------------------------------------------------------

# A run that ends at or below this accuracy learned nothing (10 classes): hlb prints only the
# first step's training loss of an epoch, so a collapse to a constant prediction (loss ln 10,
# accuracy 0.1000) shows no NaN. cifarbench calls a non-finite training loss DIVERGED.
CHANCE = 0.105
TARGET = 0.94  # every recipe's target accuracy (the aggregates' target_accuracy)
NUMBER = re.compile(r"^[-+]?(\d+\.?\d*|\.\d+)([eE][-+]?\d+)?$|^[-+]?(nan|inf)$", re.I)


def _cell(s):
    s = s.strip()
    if NUMBER.match(s):
        return float(s)
    return s


def parse_output(recipe, text, exit_code=None, timed_out=False, line_times=None):
    """The runs a script's stdout holds: a list of dicts (run, rows, headline, time, status,
    message, warmup, first/last line index). Every script prints one table: a bar, the header
    of `|  column  |` cells, a bar, then a row per epoch; hlb ends each run's last row with a
    bar, the airbench family with an `eval` row and a bar, with the run number (or "warmup") in
    the first row of each run. A run without its closing row is truncated: FAILED (INTERRUPTED
    when the tool's timeout stopped the script). A non-finite number in a run, or a final
    accuracy at chance (CHANCE): DIVERGED."""
    lines = re.split(r"\r\n|\r|\n", text)
    header, runs, cur = None, [], None
    for i, line in enumerate(lines):
        s = line.strip()
        if s.startswith("---") and set(s) == {"-"}:
            if cur is not None and cur["rows"]:
                if recipe == "hlb_record" or cur["rows"][-1].get("epoch") == "eval":
                    cur["closed"] = True
                    cur["last_line"] = i
                runs.append(cur)
                cur = None
            continue
        if not (s.startswith("|") and s.endswith("|")):
            continue
        cells = [c for c in s[1:-1].split("|")]
        if header is None:
            header = [c.strip() for c in cells]
            continue
        if len(cells) != len(header):
            continue  # a row cut short
        row = {h: _cell(c) for h, c in zip(header, cells)}
        run_cell = row.get("run", "")
        starts = cur is None or ("run" in header and run_cell != "")
        if starts:
            if cur is not None:
                runs.append(cur)
            cur = dict(run=run_cell, rows=[], closed=False, first_line=i, last_line=i)
        cur["rows"].append(row)
        cur["last_line"] = i
    if cur is not None:
        runs.append(cur)
    if header is None:
        return []
    time_col = "total_time_seconds" if "total_time_seconds" in header else "time_seconds"
    acc_col = "ema_val_acc" if recipe == "hlb_record" else "tta_val_acc"
    out = []
    for n, r in enumerate(runs):
        r["warmup"] = r["run"] == "warmup"
        last = r["rows"][-1]
        numbers = [v for row in r["rows"] for v in row.values() if isinstance(v, float)]
        r["headline"] = last.get(acc_col) if isinstance(last.get(acc_col), float) else None
        if r["headline"] is None and recipe == "hlb_record" and isinstance(last.get("val_acc"), float):
            r["headline"] = last["val_acc"]  # EMA not started: main.py would fail to return it
        r["time"] = last.get(time_col) if isinstance(last.get(time_col), float) else 0.0
        if any(not math.isfinite(v) for v in numbers):
            r["status"], r["message"] = "DIVERGED", "a non-finite value in the printed table"
        elif r["closed"] and r["headline"] is not None and r["headline"] <= CHANCE:
            r["status"] = "DIVERGED"
            r["message"] = "final accuracy %.4f, at chance (0.10): the network collapsed" % r["headline"]
        elif r["closed"]:
            r["status"], r["message"] = "OK", ""
        elif timed_out:
            r["status"], r["message"] = "INTERRUPTED", "stopped by the tool's --timeout before the run's last row"
        else:
            r["status"] = "FAILED"
            r["message"] = "the output ends before the run's last row (truncated%s)" % (
                ", exit status %s" % exit_code if exit_code not in (None, 0) else "")
        if r["headline"] is None:
            r["headline"] = 0.0
        out.append(r)
    return out


def add_missing_runs(parsed, runs, timed_out, exit_code):
    """Appends a FAILED (INTERRUPTED after --timeout) run for each of the `runs` asked for that
    the script never began to print, so that a report always holds every run asked for."""
    missing = runs - sum(not r["warmup"] for r in parsed)
    for _ in range(max(0, missing)):
        parsed.append(dict(run="", rows=[], warmup=False, headline=0.0, time=0.0, first_line=1 << 62,
                           last_line=1 << 62, status="INTERRUPTED" if timed_out else "FAILED",
                           message="no output for this run: the script %s before it" % (
                               "was stopped by --timeout" if timed_out
                               else "exited (status %s)" % exit_code)))
    return parsed


def summary_lines(text):
    keep = ("Mean and variance:", "Mean:", "Accuracies:", "Times (s):")
    return [l.strip() for l in re.split(r"\r|\n", text) if l.strip().startswith(keep)]

# ---- The report ------------------------------------------------------------------------------


def _betacf(a, b, x):
    qab, qap, qam, c, d = a + b, a + 1, a - 1, 1.0, 1 - (a + b) * x / (a + 1)
    d = 1 / (d if abs(d) > 1e-300 else 1e-300)
    h = d
    for m in range(1, 300):
        m2 = 2 * m
        for aa in (m * (b - m) * x / ((qam + m2) * (a + m2)),
                   -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2))):
            d = 1 + aa * d
            d = 1 / (d if abs(d) > 1e-300 else 1e-300)
            c = 1 + aa / c if abs(1 + aa / c) > 1e-300 else 1e-300
            h *= d * c
        if abs(d * c - 1) < 1e-15:
            break
    return h


def _betai(a, b, x):
    if x <= 0 or x >= 1:
        return 0.0 if x <= 0 else 1.0
    bt = math.exp(math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(1 - x))
    if x < (a + 1) / (a + b + 2):
        return bt * _betacf(a, b, x) / a
    return 1 - bt * _betacf(b, a, 1 - x) / b


def t_sf(t, df):
    """P(T > t) for Student's t with df degrees of freedom."""
    p = 0.5 * _betai(df / 2, 0.5, df / (df + t * t))
    return p if t >= 0 else 1 - p


def t_quantile(q, df):
    lo, hi = -1e3, 1e3
    for _ in range(200):
        mid = (lo + hi) / 2
        lo, hi = (mid, hi) if 1 - t_sf(mid, df) < q else (lo, mid)
    return (lo + hi) / 2


def _summary(v):
    v = sorted(v)
    n = len(v)
    if n == 0:
        return dict(mean=0, std=0, median=0, min=0, max=0, olympic=0)
    mean = sum(v) / n
    std = math.sqrt(sum((x - mean) ** 2 for x in v) / (n - 1)) if n > 1 else 0.0
    median = v[n // 2] if n % 2 else (v[n // 2 - 1] + v[n // 2]) / 2
    olympic = sum(v[1:-1]) / (n - 2) if n >= 3 else mean
    return dict(mean=mean, std=std, median=median, min=v[0], max=v[-1], olympic=olympic)


def aggregate(recipe, runs, target=TARGET):
    ok = [r for r in runs if r["status"] == "RUN_STATUS_OK"]
    acc = _summary([r["headline_accuracy"] for r in ok])
    tr = _summary([r["timings"]["train_s"] for r in ok])
    ttr = _summary([r["timings"]["time_to_result_s"] for r in ok])
    a = dict(recipe=recipe, runs=len(runs), ok_runs=len(ok), accuracy_mean=acc["mean"],
             accuracy_std=acc["std"], accuracy_min=acc["min"], accuracy_max=acc["max"],
             train_s_mean=tr["mean"], train_s_std=tr["std"], time_to_result_s_mean=ttr["mean"],
             target_accuracy=target,
             fraction_at_target=(sum(r["headline_accuracy"] >= target for r in ok) / len(ok)) if ok else 0.0,
             accuracy_ci95_low=acc["mean"], accuracy_ci95_high=acc["mean"], p_value_above_target=1.0,
             train_s_median=tr["median"], train_s_min=tr["min"], train_s_max=tr["max"],
             train_s_olympic_mean=tr["olympic"], time_to_result_s_std=ttr["std"],
             time_to_result_s_median=ttr["median"], time_to_result_s_min=ttr["min"],
             time_to_result_s_max=ttr["max"], time_to_result_s_olympic_mean=ttr["olympic"])
    n = len(ok)
    if n >= 2:  # core/stats.h: Student-t interval and one-sided test of mean > target
        se = acc["std"] / math.sqrt(n)
        half = t_quantile(0.975, n - 1) * se
        a["accuracy_ci95_low"], a["accuracy_ci95_high"] = acc["mean"] - half, acc["mean"] + half
        a["p_value_above_target"] = (t_sf((acc["mean"] - target) / se, n - 1) if se > 0
                                     else (0.0 if acc["mean"] > target else 1.0))
    return a


def _command_output(cmd):
    try:
        return subprocess.run(cmd, capture_output=True, text=True, timeout=30).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        return ""


def collect_context(device, python, threads):
    """Context as core/context.cc fills it, for the Python side: torch/CUDA/cuDNN versions of
    the interpreter that runs the script, and on a GPU what nvidia-smi tells (read only)."""
    c = dict(date=time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime()), host=socket.gethostname(),
             device="cuda:0" if device == "cuda" else device, device_name="", driver_version="",
             cuda_version="", cudnn_version="", libtorch_version="", cudnn_benchmark=False,
             tf32_allowed=False, git_revision="", build_type="", cpu_threads=threads,
             gpu_sm_clock_mhz=0.0, gpu_max_sm_clock_mhz=0.0, gpu_mem_clock_mhz=0.0,
             gpu_power_limit_w=0.0)
    probe = _command_output([python, "-c", (
        "import json, torch\n"
        "try:\n import torchvision; tv = torchvision.__version__\n"
        "except Exception: tv = ''\n"
        "print(json.dumps([torch.__version__, torch.version.cuda or '', "
        "str(torch.backends.cudnn.version() or '') if torch.cuda.is_available() else '', tv]))")])
    try:
        tv, cuda, cudnn, vision = json.loads(probe.splitlines()[-1])
        c["libtorch_version"] = "PyTorch %s (torchvision %s)" % (tv, vision or "missing")
        if device.startswith("cuda"):
            c["cuda_version"], c["cudnn_version"] = cuda, cudnn
    except (ValueError, IndexError):
        c["libtorch_version"] = "unknown (torch not importable by %s)" % python
    if device.startswith("cuda") and shutil.which("nvidia-smi"):
        parts = _command_output(["nvidia-smi", "--query-gpu=name,driver_version,clocks.sm,"
                                 "clocks.max.sm,clocks.mem,power.limit", "--format=csv,noheader,nounits",
                                 "-i", "0"]).split(", ")
        num = lambda i: float(parts[i]) if i < len(parts) and re.match(r"^[\d.]+$", parts[i]) else 0.0
        if len(parts) >= 2:
            c["device_name"], c["driver_version"] = parts[0], parts[1]
            c["gpu_sm_clock_mhz"], c["gpu_max_sm_clock_mhz"] = num(2), num(3)
            c["gpu_mem_clock_mhz"], c["gpu_power_limit_w"] = num(4), num(5)
    if not c["device_name"]:
        try:
            with open("/proc/cpuinfo") as f:
                m = re.search(r"^model name\s*:\s*(.*)$", f.read(), re.M)
            c["device_name"] = m.group(1).strip() if m else platform.processor()
        except OSError:
            c["device_name"] = platform.processor()
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    rev = _command_output(["git", "-C", root, "rev-parse", "--short=12", "HEAD"])
    if rev:
        dirty = _command_output(["git", "-C", root, "status", "--porcelain", "--untracked-files=no"])
        c["git_revision"] = rev + ("-dirty" if dirty else "")
    return c


def build_report(recipe, parsed, context, provenance, line_times=None, process_wall_s=0.0,
                 sleep_s_per_run=0.0):
    """The BenchReport dict (protobuf JSON field names, zero values written)."""
    peer = PEERS[recipe]
    state = provenance["state"]
    context = dict(context)
    context["build_type"] = "python original %s@%s %s (%s)" % (
        peer["repository"], peer["commit"][:12], peer["file"], state)
    context["cudnn_benchmark"] = recipe != "hlb_record" and context["device"].startswith("cuda")
    config_text = "\n".join([
        "# The Python original (tools/peers/peers.py); not a RecipeConfig.",
        "repository: %s%s" % (peer["repository"], " (tag %s)" % peer["tag"] if peer["tag"] else ""),
        "commit: %s" % peer["commit"],
        "file: %s" % peer["file"],
        "sha256: %s (table: %s): %s" % (provenance["sha256"], peer["sha256"], state),
        "patched_sha256: %s" % provenance.get("patched_sha256", ""),
        "command: %s" % provenance.get("command", ""),
        # The host allocator's settings the script ran under (glibc's defaults when none): they
        # change CPU times by up to a third (docs/benchmarks.md, "The CPU allocator").
        "allocator_environment: %s" % (provenance.get("allocator_environment") or "none (glibc's defaults)"),
        "process_wall_s: %.3f (the whole process: start, imports, data load, compile, warm-up, "
        "every run and its untimed parts)" % process_wall_s,
    ] + (["sleep_outside_timer_s_per_run: %.3f (torch.cuda._sleep(6e9 cycles) before each run "
          "at the recorded maximum SM clock; in wall_s and process_wall_s, not in the script's time)"
          % sleep_s_per_run] if sleep_s_per_run else [])
        + ["summary: %s" % s for s in provenance.get("summary", [])]
        + ["patch: %s | %r -> %r | %s" % (p["mode"], p["old"], p["new"], p["why"])
           for p in provenance.get("patches", [])]) + "\n"
    config_sha = hashlib.sha256(config_text.encode()).hexdigest()
    warmup = dict(ran=False, seconds=0.0, what="none: the script's output has no warm-up run")
    runs = []
    prev_end = None
    for r in parsed:
        t_first = line_times[r["first_line"]] if line_times and r["first_line"] < len(line_times) else None
        t_last = line_times[r["last_line"]] if line_times and r["last_line"] < len(line_times) else None
        wall = (t_last - prev_end) if (t_last is not None and prev_end is not None) else (
            t_last if t_last is not None else 0.0)
        if t_last is not None:
            prev_end = t_last
        if r["warmup"]:
            warmup = dict(ran=True, seconds=wall, what=(
                "the script's own untimed warm-up run (main('warmup'): random labels%s; absorbs "
                "torch.compile and cuDNN autotuning): seconds from the process start to its last "
                "row%s" % (" and images" if recipe == "hiverge_record" else "",
                           "" if r["status"] == "OK" else "; it did not finish: " + r["message"])))
            continue
        epochs, prev_t = [], 0.0
        time_col = "total_time_seconds" if recipe in ("hlb_record", "airbench94") else "time_seconds"
        for row in r["rows"]:
            if not isinstance(row.get("epoch"), float):
                continue
            t = row.get(time_col) if isinstance(row.get(time_col), float) else 0.0
            num = lambda k: row.get(k) if isinstance(row.get(k), float) and math.isfinite(row.get(k)) else 0.0
            epochs.append(dict(epoch=int(row["epoch"]), steps="0", train_loss=num("train_loss"),
                               train_acc=num("train_acc"), val_loss=num("val_loss"),
                               val_acc=num("val_acc"), ema_val_acc=num("ema_val_acc"),
                               evaluated="val_acc" in row, train_seconds=t - prev_t,
                               total_train_seconds=t,
                               ema_evaluated=isinstance(row.get("ema_val_acc"), float)))
            prev_t = t
        # Time to target (0.94): hlb evaluates its EMA every epoch, so the first epoch row whose
        # ema_val_acc reaches it, at its cumulative training time; the airbench family's
        # headline (TTA) exists only at the end, so the run's time when it reaches it.
        target_epoch, time_to_target = -1, 0.0
        if r["status"] == "OK" and recipe == "hlb_record":
            hit = next((e for e in epochs if e["ema_evaluated"] and e["ema_val_acc"] >= TARGET), None)
            if hit:
                target_epoch, time_to_target = hit["epoch"], hit["total_train_seconds"]
        elif r["status"] == "OK" and r["headline"] >= TARGET:
            target_epoch, time_to_target = (epochs[-1]["epoch"] if epochs else 0), r["time"]
        timings = dict(data_s=0.0, init_s=0.0, train_s=0.0, epoch_eval_s=0.0, final_eval_s=0.0,
                       time_to_result_s=0.0, wall_s=wall, capture_s=0.0)
        timings[peer["time_field"]] = r["time"] if math.isfinite(r["time"]) else 0.0
        head = r["headline"] if math.isfinite(r["headline"]) else 0.0
        runs.append(dict(
            schema_version=REPORT_SCHEMA_VERSION, context=context, recipe=recipe,
            plugin="python-original", config_text=config_text, config_sha256=config_sha,
            seed=str(len(runs)), epochs=epochs, timings=timings, headline_accuracy=head,
            headline=peer["headline"], live_accuracy=head if recipe != "hlb_record" else 0.0,
            ema_accuracy=head if recipe == "hlb_record" else 0.0,
            status="RUN_STATUS_" + r["status"],  # proto/report.proto RunStatus
            message=r["message"],
            timed_region=peer["timed_region"] + ("; wall_s: this run's share of the process "
                                                 "wall clock (from the previous run's last row "
                                                 "to this run's last row)" if line_times else ""),
            train_steps="0", train_images="0",
            cost=dict(params_total="0", params_trained="0", forward_macs_per_image="0",
                      forward_flops_per_image="0", train_flops=0.0, achieved_tflops=0.0),
            step_mode="python", target_epoch=target_epoch, time_to_target_s=time_to_target,
            artifacts=[]))
    return dict(schema_version=REPORT_SCHEMA_VERSION, context=context, runs=runs,
                aggregates=[aggregate(recipe, runs)] if runs else [], warmup=warmup)


def write_json(path, obj):
    tmp = path + ".tmp"
    with open(tmp, "w") as f:
        json.dump(obj, f, indent=1)
        f.write("\n")
    os.replace(tmp, path)

# ---- Running -----------------------------------------------------------------------------------


# After --timeout's SIGTERM, the seconds a script has to end before SIGKILL.
KILL_AFTER_S = 10.0


def allocator_environment(env):
    """GLIBC_TUNABLES and MALLOC_* as `NAME=value` words, sorted; '' when none is set."""
    return " ".join("%s=%s" % (k, env[k]) for k in sorted(env)
                    if k == "GLIBC_TUNABLES" or k.startswith("MALLOC_"))


def run_script(python, script, cwd, env, log_path, timeout):
    """Runs the script, echoing and logging its stdout (stderr merged) line by line with the
    seconds since start of each line. Returns (text, line times, exit code, timed out, wall)."""
    start = time.monotonic()
    proc = subprocess.Popen([python, "-u", script], cwd=cwd, env=env, stdout=subprocess.PIPE,
                            stderr=subprocess.STDOUT, start_new_session=True)
    chunks, times = [], []
    timed_out = [False]

    def kill():  # SIGTERM was not enough (a script may catch it, or hang in CUDA)
        if proc.poll() is None:
            try:
                os.killpg(proc.pid, signal.SIGKILL)
            except ProcessLookupError:
                pass

    def stop():
        timed_out[0] = True
        try:
            os.killpg(proc.pid, signal.SIGTERM)
        except ProcessLookupError:
            return
        threading.Timer(KILL_AFTER_S, kill).start()
    timer = threading.Timer(timeout, stop) if timeout else None
    if timer:
        timer.start()
    buf = b""
    with open(log_path, "wb") as log:
        while True:
            data = proc.stdout.read1(65536) if hasattr(proc.stdout, "read1") else proc.stdout.read(1)
            if not data:
                break
            log.write(data)
            log.flush()
            sys.stdout.buffer.write(data)
            sys.stdout.flush()
            buf += data
            now = time.monotonic() - start
            # One time per line terminator seen (\n, \r or \r\n), as parse_output splits.
            chunk = data.decode("utf-8", "replace")
            n = len(re.findall(r"\r\n|\r|\n", chunk))
            if chunk.startswith("\n") and buf[:-len(data)].endswith(b"\r"):
                n -= 1  # a \r\n split between two reads is one line end
            times.extend([now] * n)
    code = proc.wait()
    if timer:
        timer.cancel()
    wall = time.monotonic() - start
    text = buf.decode("utf-8", "replace")
    times.append(wall)  # the unterminated tail, if any
    return text, times, code, timed_out[0], wall


def cmd_run(a):
    if a.recipe not in PEERS:
        raise PeerError("--recipe=%s: one of %s" % (a.recipe, ", ".join(PEERS)))
    peer = PEERS[a.recipe]
    device = a.device
    src = os.path.join(a.checkout, peer["file"])
    if not os.path.exists(src):
        raise PeerError("%s: not found (a checkout of %s at %s)" % (src, peer["repository"], peer["commit"]))
    digest = sha256_file(src)
    state = "pristine" if digest == peer["sha256"] else "modified"
    if state == "modified":
        print("peers: warning: %s sha256 %s is not the table's %s: marked modified"
              % (src, digest, peer["sha256"]), file=sys.stderr)
    cpu = not device.startswith("cuda")
    default_epochs = {"hlb_record": 12.1, "airbench94_muon": 8, "airbench94": 9.9,
                      "hiverge_record": 7.59}[a.recipe]
    widths = [int(w) for w in a.widths.split(",")] if a.widths else (
        [16, 64, 128] if a.recipe == "hlb_record" else [16, 64, 64])
    if a.recipe == "hlb_record" and cpu and (widths[1] != 4 * widths[0] or widths[2] != 8 * widths[0]):
        raise PeerError("hlb_record's widths are b/4b/8b (main.py's base_depth b), got %s" % a.widths)
    if a.recipe == "hlb_record" and a.epochs and float(a.epochs).is_integer():
        raise PeerError("--epochs=%g: main.py runs a last epoch of train_epochs %% 1 of the data, "
                        "none for a whole number (then the EMA never starts); use e.g. %g.1"
                        % (a.epochs, a.epochs))
    values = dict(runs=a.runs, epochs=a.epochs if a.epochs else default_epochs,
                  base_depth=widths[0], w1=widths[0], w2=widths[1], w3=widths[2])
    python = a.python or sys.executable
    context = collect_context(device, python, a.threads if cpu else 0)
    has_tv = "torchvision missing" not in context["libtorch_version"]
    if not has_tv:
        print("peers: %s has no torchvision: applying the no_torchvision patches" % python, file=sys.stderr)
    with open(src) as f:
        text, applied = apply_patches(f.read(), patches_for(a.recipe, device, has_tv), values, src)
    work = os.path.abspath(a.work)
    os.makedirs(work, exist_ok=True)
    script = os.path.join(work, os.path.basename(peer["file"]))
    with open(script, "w") as f:
        f.write(text)
    t0 = time.monotonic()
    if not a.skip_data_cache:
        written = write_data_cache(peer["cache"], a.data_dir, work, device)
        print("peers: wrote %s in %.1f s" % (", ".join(written), time.monotonic() - t0), file=sys.stderr)
    env = dict(os.environ)
    if cpu:
        for k in ("OMP_NUM_THREADS", "MKL_NUM_THREADS"):
            env[k] = str(a.threads)
        env["CUDA_VISIBLE_DEVICES"] = ""
    log_path = a.log or os.path.join(work, "stdout.log")
    out, times, code, timed_out, wall = run_script(python, script, work, env, log_path, a.timeout)
    parsed = parse_output(a.recipe, out, exit_code=code, timed_out=timed_out)
    add_missing_runs(parsed, a.runs, timed_out, code)
    sleep_s = 0.0
    # torch.cuda._sleep spins 6e9 cycles at the clock the busy GPU runs at: its maximum SM
    # clock unless locked lower (the idle clock read before the run would overstate it).
    clock = context["gpu_max_sm_clock_mhz"] or context["gpu_sm_clock_mhz"]
    if a.recipe == "hiverge_record" and clock > 0:
        sleep_s = 6e9 / (clock * 1e6)
    provenance = dict(sha256=digest, state=state, patches=applied,
                      patched_sha256=hashlib.sha256(text.encode()).hexdigest(),
                      command="%s -u %s (cwd %s)%s" % (os.path.basename(python), os.path.basename(script), work,
                                                       ", %d threads" % a.threads if cpu else ""),
                      summary=summary_lines(out),
                      allocator_environment=allocator_environment(env))
    report = build_report(a.recipe, parsed, context, provenance, line_times=times,
                          process_wall_s=wall, sleep_s_per_run=sleep_s)
    write_json(a.out, report)
    ok = sum(r["status"] == "RUN_STATUS_OK" for r in report["runs"])
    print("peers: %s: %d of %d runs OK, exit status %d%s, %.1f s wall; report %s" % (
        a.recipe, ok, a.runs, code, " (timed out)" if timed_out else "", wall, a.out), file=sys.stderr)
    if timed_out or code != 0 or ok < a.runs:
        return 1
    return 0


def cmd_parse(a):
    with open(a.log, errors="replace") as f:
        text = f.read()
    parsed = parse_output(a.recipe, text)
    if a.runs:
        add_missing_runs(parsed, a.runs, False, "unknown")
    context = collect_context(a.device, a.python or sys.executable, 0)
    report = build_report(a.recipe, parsed, context,
                          dict(sha256="", state="unknown (parsed from a log)", summary=summary_lines(text)))
    write_json(a.out, report)
    return 0


def main(argv=None):
    p = argparse.ArgumentParser(description=__doc__.split("\n\n")[0],
                                formatter_class=argparse.RawDescriptionHelpFormatter)
    sub = p.add_subparsers(dest="cmd", required=True)
    r = sub.add_parser("run", help="run an original script and write its report")
    r.add_argument("--checkout", required=True, help="the repository checkout holding the script")
    r.add_argument("--recipe", required=True, choices=sorted(PEERS))
    r.add_argument("--runs", type=int, default=5)
    r.add_argument("--device", default="cuda", help="cuda (only the run count is patched) or cpu")
    r.add_argument("--epochs", type=float, default=0, help="CPU mode: epochs (default: the recipe's)")
    r.add_argument("--widths", default="", help="CPU mode: w1,w2,w3 (default: quarter width)")
    r.add_argument("--threads", type=int, default=2, help="CPU mode: intra-op threads")
    r.add_argument("--data_dir", default=os.path.join(os.path.dirname(__file__), "..", "..", "..", "shared", "cifar10"),
                   help="the CIFAR-10 binary folder (default ../shared/cifar10 beside the clone)")
    r.add_argument("--work", required=True, help="work folder: patched script, data cache, log")
    r.add_argument("--log", default="", help="stdout log (default WORK/stdout.log)")
    r.add_argument("--out", required=True, help="the bench report (JSON)")
    r.add_argument("--timeout", type=float, default=0, help="stop the script after this many seconds")
    r.add_argument("--python", default="", help="interpreter for the script (default: this one)")
    r.add_argument("--skip_data_cache", action="store_true",
                   help="write no data cache (a stand-in script that reads none)")
    q = sub.add_parser("parse", help="a recorded stdout log -> report")
    q.add_argument("--recipe", required=True, choices=sorted(PEERS))
    q.add_argument("--log", required=True)
    q.add_argument("--out", required=True)
    q.add_argument("--device", default="cpu")
    q.add_argument("--runs", type=int, default=0, help="runs asked for (missing ones: FAILED)")
    q.add_argument("--python", default="")
    sub.add_parser("patches", help="print the patch table (Markdown)")
    a = p.parse_args(argv)
    try:
        if a.cmd == "run":
            return cmd_run(a)
        if a.cmd == "parse":
            return cmd_parse(a)
        sys.stdout.write(patch_table_markdown())
        return 0
    except PeerError as e:
        print("peers: %s" % e, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
