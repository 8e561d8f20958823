#!/usr/bin/env python3
"""tools/peers/peers.py without the originals (what CI can run; standard library only):
the patch table, the parser on real logs recorded from CPU runs of the originals
(tests/tools/peers/testdata/README.md says how each was made), the report it writes read by
bench/compare, and the whole `run` end to end on a stand-in script written from scratch in
hlb-CIFAR10's output format. The data cache is checked when torch is importable.

    tests/tools/peers_test.py --compare=PATH_TO_COMPARE_BINARY
"""
import argparse
import importlib.util
import json
import os
import subprocess
import sys
import tempfile
import unittest
import unittest.mock

HERE = os.path.dirname(os.path.realpath(__file__))
ROOT = os.path.dirname(os.path.dirname(HERE))
TOOL = os.path.join(ROOT, "tools", "peers", "peers.py")
TESTDATA = os.path.join(HERE, "peers", "testdata")
COMPARE = ""

spec = importlib.util.spec_from_file_location("peers", TOOL)
peers = importlib.util.module_from_spec(spec)
spec.loader.exec_module(peers)


def log(name):
    with open(os.path.join(TESTDATA, name)) as f:
        return f.read()


def tool(*args, env=None):
    return subprocess.run([sys.executable, TOOL] + list(args), capture_output=True, text=True,
                          env=dict(os.environ, **(env or {})))


class PatchTable(unittest.TestCase):
    def test_every_patch_names_a_published_script_and_says_why(self):
        for p in peers.PATCHES:
            self.assertIn(p["recipe"], peers.PEERS)
            self.assertIn(p["mode"], ("all", "cpu", "no_torchvision"))
            self.assertNotEqual(p["old"], p["new"])
            self.assertTrue(p["why"])
            self.assertGreaterEqual(p["count"], 1)
        # On a GPU only the run count changes: one "all" patch a script.
        for recipe in peers.PEERS:
            gpu = peers.patches_for(recipe, "cuda")
            self.assertEqual(len(gpu), 1, recipe)
            self.assertIn("run count", gpu[0]["why"])
        table = peers.patch_table_markdown()
        self.assertEqual(table.count("\n"), len(peers.PATCHES) + 2)
        self.assertIn("| airbench94_muon (airbench94_muon.py) | cpu | `return self.head(x) / x.size(-1)` | "
                      "`return self.head(x) / 256` |", table)

    def test_the_docs_show_this_table(self):
        # docs/peers.md holds `peers.py patches`' output verbatim: a patch changed here shows there.
        with open(os.path.join(ROOT, "docs", "peers.md")) as f:
            self.assertIn(peers.patch_table_markdown(), f.read())

    def test_a_missing_old_text_stops_the_tool(self):
        patches = peers.patches_for("hlb_record", "cpu")
        with self.assertRaises(peers.PeerError) as e:
            peers.apply_patches("for run_num in range(25):\n", patches, dict(runs=2), "main.py")
        self.assertIn("main.py: patch 'CPU mode: the device' expects its old text", str(e.exception))
        self.assertIn("found 0: is this the published file?", str(e.exception))
        # Twice where once is expected is as wrong as never.
        with self.assertRaises(peers.PeerError):
            peers.apply_patches("for run_num in range(25):\n" * 2, patches[:1], dict(runs=2))
        text, applied = peers.apply_patches("for run_num in range(25):\n", patches[:1], dict(runs=7))
        self.assertEqual(text, "for run_num in range(7):\n")
        self.assertEqual(applied[0]["new"], "for run_num in range(7):")

    def test_cpu_mode_only_where_the_table_has_one(self):
        # Every published script has a CPU mode now; a recipe whose patches had none is refused.
        self.assertEqual(peers.CPU_RECIPES, tuple(peers.PEERS))
        with unittest.mock.patch.object(peers, "CPU_RECIPES", ("hlb_record", "airbench94_muon")):
            with self.assertRaises(peers.PeerError) as e:
                peers.patches_for("hiverge_record", "cpu")
            self.assertIn("hiverge_record has no CPU mode (PATCHES covers hlb_record, airbench94_muon)",
                          str(e.exception))
            self.assertEqual(len(peers.patches_for("hiverge_record", "cuda")), 1)  # the run count
        r = tool("run", "--checkout=" + os.path.join(TESTDATA, "standin"), "--recipe=hlb_record",
                 "--device=cpu", "--epochs=2", "--work=" + tempfile.mkdtemp(), "--out=/dev/null",
                 "--skip_data_cache")
        self.assertEqual(r.returncode, 2, r.stderr)
        self.assertIn("--epochs=2: main.py runs a last epoch of train_epochs % 1", r.stderr)


    def test_patches_apply_to_the_checkouts(self):
        # Where the originals are at hand: each file is the published one, and every patch set
        # (GPU, CPU, with and without torchvision) applies and leaves valid Python.
        peers_dir = os.environ.get("CIFARBENCH_PEERS_DIR", "")
        if not peers_dir:
            self.skipTest("CIFARBENCH_PEERS_DIR is not set")
        values = dict(runs=3, epochs=1.1, base_depth=8, w1=8, w2=32, w3=32)
        for recipe, peer in peers.PEERS.items():
            path = os.path.join(peers_dir, peer["subfolder"], peer["file"])
            self.assertEqual(peers.sha256_file(path), peer["sha256"], path)
            with open(path) as f:
                text = f.read()
            for device in ("cuda", "cpu") if recipe in peers.CPU_RECIPES else ("cuda",):
                for tv in (True, False):
                    patched, applied = peers.apply_patches(text, peers.patches_for(recipe, device, tv), values, path)
                    compile(patched, path, "exec")
                    self.assertEqual(len(applied), len(peers.patches_for(recipe, device, tv)))


class ParseRealLogs(unittest.TestCase):
    """Logs recorded from CPU runs of the originals (testdata/README.md)."""

    def test_hlb_complete(self):
        runs = peers.parse_output("hlb_record", log("hlb_record_complete.log"))
        self.assertEqual([r["status"] for r in runs], ["OK", "OK"])
        self.assertEqual([r["headline"] for r in runs], HLB_COMPLETE_ACC)
        self.assertEqual([r["time"] for r in runs], HLB_COMPLETE_TIME)
        self.assertEqual(len(runs[0]["rows"]), 1)
        self.assertTrue(peers.summary_lines(log("hlb_record_complete.log"))[0].startswith("Mean and variance:"))

    def test_hlb_diverged(self):
        # lr x 1e8: the network collapsed to one class; hlb prints no NaN (only the first
        # step's training loss), the accuracy says it.
        runs = peers.parse_output("hlb_record", log("hlb_record_diverged.log"))
        self.assertEqual([r["status"] for r in runs], ["DIVERGED"])
        self.assertEqual(runs[0]["message"], "final accuracy 0.1000, at chance (0.10): the network collapsed")
        self.assertIn("Mean and variance: (0.10000000149011612, nan)", peers.summary_lines(log("hlb_record_diverged.log")))

    def test_hlb_nan(self):
        # lr x 1e30: the validation loss is NaN.
        runs = peers.parse_output("hlb_record", log("hlb_record_nan.log"))
        self.assertEqual([r["status"] for r in runs], ["DIVERGED"])
        self.assertEqual(runs[0]["message"], "a non-finite value in the printed table")

    def test_hlb_truncated(self):
        # Stopped by the tool's --timeout during the second of two runs, before its first row.
        runs = peers.parse_output("hlb_record", log("hlb_record_truncated.log"), timed_out=True)
        self.assertEqual([r["status"] for r in runs], ["OK"])
        self.assertEqual(runs[0]["headline"], 0.4606)
        self.assertEqual(runs[0]["time"], 219.2904)
        peers.add_missing_runs(runs, 2, True, -15)
        self.assertEqual([r["status"] for r in runs], ["OK", "INTERRUPTED"])
        # The same log cut inside a run's table: that run is FAILED, not OK.
        cut = "\n".join(log("hlb_record_truncated.log").splitlines()[:4]) + "\n"
        self.assertEqual([r["status"] for r in peers.parse_output("hlb_record", cut)], ["FAILED"])

    def test_airbench94_muon_complete(self):
        runs = peers.parse_output("airbench94_muon", log("airbench94_muon_complete.log"))
        self.assertEqual([r["status"] for r in runs], ["OK", "OK"])
        self.assertEqual([r["warmup"] for r in runs], [False, False])  # CPU mode: no warm-up
        self.assertEqual([r["headline"] for r in runs], MU_COMPLETE_ACC)
        self.assertEqual([r["time"] for r in runs], MU_COMPLETE_TIME)
        self.assertEqual(runs[0]["rows"][-1]["epoch"], "eval")

    def test_airbench_format_with_warmup_and_truncation(self):
        # The GPU format: the warm-up run first; a run cut before its eval row is FAILED.
        text = log("airbench94_muon_complete.log")
        lines = text.splitlines()
        warm = [l.replace("|       0  |", "|  warmup  |", 1) for l in lines]
        runs = peers.parse_output("airbench94_muon", "\n".join(warm) + "\n")
        self.assertEqual([r["warmup"] for r in runs], [True, False])
        rep = peers.build_report("airbench94_muon", runs, dict(device="cuda:0"), dict(sha256="", state="x"),
                                 line_times=list(range(len(warm) + 1)))
        self.assertEqual(len(rep["runs"]), 1)  # the warm-up is not a run
        self.assertTrue(rep["warmup"]["ran"])
        self.assertEqual(rep["warmup"]["seconds"], 5)  # process start to the bar closing it
        self.assertIn("main('warmup')", rep["warmup"]["what"])
        cut = "\n".join(lines[:lines.index(next(l for l in lines if "eval" in l))]) + "\n"
        self.assertEqual([r["status"] for r in peers.parse_output("airbench94_muon", cut)], ["FAILED"])

    def test_hiverge_complete(self):
        # Recorded from cifar10_speedrun.py's CPU mode: its progress line ends in \r and the
        # next run's row follows on the same line.
        with open(os.path.join(TESTDATA, "hiverge_record_complete.log"), newline="") as f:
            text = f.read()  # as recorded: log() would turn the \r into \n
        self.assertIn("s\r|       2  |", text)
        runs = peers.parse_output("hiverge_record", text)
        self.assertEqual([r["status"] for r in runs], ["OK", "OK"])
        self.assertEqual([r["warmup"] for r in runs], [False, False])  # CPU mode: no warm-up
        self.assertEqual([r["headline"] for r in runs], HV_COMPLETE_ACC)
        self.assertEqual([r["time"] for r in runs], HV_COMPLETE_TIME)
        self.assertEqual([r["rows"][-1]["val_acc"] for r in runs], [0.4987, 0.5169])  # plain
        self.assertEqual(peers.summary_lines(text),
                         ["Accuracies: Mean: 0.511650    Std: 0.011667",
                          "Times (s):  Mean: 56.957882    Std: 9.721327"])
        rep = peers.build_report("hiverge_record", runs, dict(device="cpu"), dict(sha256="", state="x"))
        self.assertEqual([x["timings"]["time_to_result_s"] for x in rep["runs"]], HV_COMPLETE_TIME)
        self.assertEqual([x["timings"]["train_s"] for x in rep["runs"]], [0.0, 0.0])
        self.assertEqual(rep["runs"][0]["headline"], "live+selective_tta")
        self.assertAlmostEqual(rep["aggregates"][0]["accuracy_mean"], 0.51165)
        self.assertEqual(rep["warmup"], dict(ran=False, seconds=0.0,
                                             what="none: the script's output has no warm-up run"))

    def test_hiverge_progress_lines_end_in_carriage_returns(self):
        head = "|  run     |  epoch  |  train_acc  |  val_acc  |  tta_val_acc  |  time_seconds  |"
        bar = "-" * len(head)
        row = "|  %s  |   eval  |     0.9877  |   0.9317  |       0.9401  |        2.0150  |"
        text = "\n".join([bar, head, bar, row % "warmup", bar, row % "     1", bar]) + \
            "\nMean accuracy after 1 runs: 0.940100 | Mean time: 2.015000s\r" + \
            "\n".join([row % "     2", bar]) + "\nMean accuracy after 2 runs: 0.940100 | Mean time: 2.015000s\r\n"
        runs = peers.parse_output("hiverge_record", text)
        self.assertEqual([(r["warmup"], r["status"], r["headline"], r["time"]) for r in runs],
                         [(True, "OK", 0.9401, 2.015), (False, "OK", 0.9401, 2.015), (False, "OK", 0.9401, 2.015)])


class Report(unittest.TestCase):
    def compare(self, *args):
        return subprocess.run([COMPARE] + list(args), capture_output=True, text=True)

    def test_report_from_a_real_log_parses_and_compares(self):
        work = tempfile.mkdtemp()
        out = os.path.join(work, "python.json")
        r = tool("parse", "--recipe=hlb_record", "--log=" + os.path.join(TESTDATA, "hlb_record_truncated.log"),
                 "--runs=2", "--out=" + out)
        self.assertEqual(r.returncode, 0, r.stderr)
        with open(out) as f:
            rep = json.load(f)
        self.assertEqual(rep["schema_version"], 3)
        self.assertEqual([x["recipe"] for x in rep["runs"]], ["hlb_record", "hlb_record"])
        self.assertEqual([x["status"] for x in rep["runs"]], ["RUN_STATUS_OK", "RUN_STATUS_FAILED"])
        self.assertEqual(rep["runs"][0]["timings"]["train_s"], 219.2904)
        self.assertEqual(rep["runs"][0]["timings"]["time_to_result_s"], 0)
        self.assertEqual(rep["runs"][0]["plugin"], "python-original")
        # main.py's ema_val_acc is flip-averaged (SpeedyConvNet.forward in eval mode, L296-309):
        # the same label cifarbench's hlb reports carry.
        self.assertEqual(rep["runs"][0]["headline"], "ema+flip_tta")
        self.assertIn("repository: tysam-code/hlb-CIFAR10 (tag v0.7.0)", rep["runs"][0]["config_text"])
        self.assertIn("training epochs only", rep["runs"][0]["timed_region"])
        self.assertEqual(rep["aggregates"][0]["ok_runs"], 1)
        if not COMPARE:
            self.skipTest("no --compare binary")
        # bench/compare reads it (exit 2 would be a parse error) beside a cifarbench report.
        ours = os.path.join(ROOT, "docs", "results", "hlb_record_quarter_cpu.json")
        c = self.compare(out, ours, "--base_label=python", "--new_label=cifarbench", "--gate_time=false",
                         "--max_accuracy_drop=1")
        self.assertEqual(c.returncode, 0, c.stderr + c.stdout)
        self.assertIn("| hlb_record | 1 / 1 (few) | train_s | 219.290 s | 1477.578 s | 6.738x |", c.stdout)
        self.assertIn("runs (python / cifarbench)", c.stdout)

    def test_abba_summary_from_the_recorded_reports(self):
        # tools/peers/abba.sh --summary_only on the A-B-B-A reports committed in docs/results:
        # the table's four slots in order and the ratio of the means, by hand
        # ((564.2 + 557.7) / (610.4 + 610.1) = 0.919).
        work = tempfile.mkdtemp()
        src = os.path.join(ROOT, "docs", "results", "abba-2026-11-30", "hlb_record")
        for slot in ["A1", "B1", "B2", "A2"]:
            with open(os.path.join(src, slot + ".json")) as f, open(os.path.join(work, slot + ".json"), "w") as g:
                g.write(f.read())
        r = subprocess.run(["bash", os.path.join(ROOT, "tools", "peers", "abba.sh"), "--recipe=hlb_record",
                            "--out=" + work, "--summary_only", "--python=" + sys.executable],
                           capture_output=True, text=True)
        self.assertEqual(r.returncode, 0, r.stderr + r.stdout)
        rows = [line.split(" | ")[0] for line in r.stdout.splitlines() if line.startswith("| A") or line.startswith("| B")]
        self.assertEqual(rows, ["| A1", "| B1", "| B2", "| A2"])
        # A1/A2 were recorded while peers.py still labelled main.py's headline "ema" (it is
        # flip-averaged, ema+flip_tta); the committed reports keep the label they were written with.
        self.assertIn("| A1 | Python original | 89.13% (ema) | 610.4 s |", r.stdout)
        self.assertIn("| B2 | cifarbench | 88.72% (ema+flip_tta) | 557.7 s | 580.0 s |", r.stdout)
        self.assertIn("cifarbench / original, mean train_s: 0.919x", r.stdout)
        with open(os.path.join(work, "abba.md")) as f:
            self.assertEqual(f.read().strip(), r.stdout.strip())
        # A report missing: exit non-zero, saying which.
        os.remove(os.path.join(work, "B2.json"))
        r = subprocess.run(["bash", os.path.join(ROOT, "tools", "peers", "abba.sh"), "--recipe=hlb_record",
                            "--out=" + work, "--summary_only", "--python=" + sys.executable],
                           capture_output=True, text=True)
        self.assertNotEqual(r.returncode, 0)
        self.assertIn("B2.json", r.stderr)

    def test_hiverge_sleep_is_accounted_outside_its_timer(self):
        head = "|  run     |  epoch  |  train_acc  |  val_acc  |  tta_val_acc  |  time_seconds  |"
        bar = "-" * len(head)
        row = "|       1  |   eval  |     0.9877  |   0.9317  |       0.9401  |        2.0150  |"
        text = "\n".join([bar, head, bar, row, bar]) + "\n"
        context = dict(device="cuda:0", gpu_max_sm_clock_mhz=1410.0)
        rep = peers.build_report("hiverge_record", peers.parse_output("hiverge_record", text), context,
                                 dict(sha256="x", state="pristine"), line_times=[0, 1, 2, 5, 9, 9],
                                 process_wall_s=9.5, sleep_s_per_run=6e9 / 1410e6)
        run = rep["runs"][0]
        self.assertEqual(run["timings"]["time_to_result_s"], 2.015)
        self.assertEqual(run["timings"]["train_s"], 0)
        self.assertEqual(run["timings"]["wall_s"], 9)  # process start to the bar that closes the run
        self.assertIn("sleep_outside_timer_s_per_run: 4.255", run["config_text"])
        self.assertIn("outside its timer", run["timed_region"])
        self.assertTrue(rep["context"]["cudnn_benchmark"])

    def test_time_to_target(self):
        # hlb: the first epoch whose EMA accuracy reaches 94%, at its cumulative time.
        head = "|  epoch  |  train_loss  |  val_loss  |  train_acc  |  val_acc  |  ema_val_acc  |  total_time_seconds  |"
        bar = "-" * len(head)
        row = "|      %d  |      0.9000  |    0.8000  |     0.9000  |   %s  |       %s  |              %s  |"
        text = "\n".join([bar, head, bar, row % (0, "0.9300", "0.9350", "3.0000"),
                          row % (1, "0.9400", "0.9410", "6.0000"), row % (2, "0.9400", "0.9420", "6.5000"), bar]) + "\n"
        rep = peers.build_report("hlb_record", peers.parse_output("hlb_record", text), dict(device="cpu"),
                                 dict(sha256="", state="x"))
        self.assertEqual((rep["runs"][0]["target_epoch"], rep["runs"][0]["time_to_target_s"]), (1, 6.0))
        # airbench: only the final TTA accuracy exists; the recorded runs (49.8%) never reach it.
        rep = peers.build_report("airbench94_muon", peers.parse_output("airbench94_muon", log("airbench94_muon_complete.log")),
                                 dict(device="cpu"), dict(sha256="", state="x"))
        self.assertEqual([x["target_epoch"] for x in rep["runs"]], [-1, -1])

    def test_student_t(self):
        # scipy.stats.t: sf(2.0, 5) = 0.05096973941492914; ppf(0.975, 9) = 2.2621571627409915
        self.assertAlmostEqual(peers.t_sf(2.0, 5), 0.05096973941492914, places=10)
        self.assertAlmostEqual(peers.t_quantile(0.975, 9), 2.2621571627409915, places=8)


class StandInEndToEnd(unittest.TestCase):
    """`run` on tests/tools/peers/testdata/standin/main.py: patches, run, parse, report."""

    def run_standin(self, runs=3, env=None):
        work = tempfile.mkdtemp()
        out = os.path.join(work, "report.json")
        r = tool("run", "--checkout=" + os.path.join(TESTDATA, "standin"), "--recipe=hlb_record",
                 "--runs=%d" % runs, "--device=cpu", "--epochs=2.1", "--widths=8,32,64",
                 "--work=" + os.path.join(work, "w"), "--out=" + out, "--skip_data_cache",
                 "--python=" + sys.executable, env=env)
        with open(out) as f:
            return r, json.load(f), work

    def test_three_runs(self):
        r, rep, work = self.run_standin()
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("marked modified", r.stderr)
        self.assertEqual([x["status"] for x in rep["runs"]], ["RUN_STATUS_OK"] * 3)
        # The stand-in's made-up curve at base_depth 8 after 3 epochs, minus 0.001 a run.
        self.assertEqual([x["headline_accuracy"] for x in rep["runs"]], [0.3502, 0.3492, 0.3482])
        for x in rep["runs"]:
            self.assertGreater(x["timings"]["train_s"], 0.025)  # 3 sleeps of 10 ms, timed by the patch
            self.assertGreater(x["timings"]["wall_s"], 0)
            self.assertEqual(len(x["epochs"]), 3)
        self.assertIn("(modified)", rep["context"]["build_type"])
        self.assertIn("patch: cpu | \"'base_depth': 64\" -> \"'base_depth': 8\"", rep["runs"][0]["config_text"])
        with open(os.path.join(work, "w", "main.py")) as f:
            script = f.read()
        self.assertIn("for run_num in range(3):", script)
        self.assertIn("torch.cpu.synchronize()", script)
        self.assertEqual(rep["aggregates"][0]["ok_runs"], 3)
        if COMPARE:
            out = os.path.join(work, "report.json")
            c = subprocess.run([COMPARE, out, out, "--base_label=python", "--new_label=python"],
                               capture_output=True, text=True)
            self.assertEqual(c.returncode, 0, c.stderr)
            self.assertIn("| hlb_record | 3 / 3 (few) | train_s |", c.stdout)

    def test_the_allocator_environment_is_recorded(self):
        r, rep, _ = self.run_standin(runs=1, env={"GLIBC_TUNABLES": "glibc.malloc.mmap_max=0"})
        self.assertEqual(r.returncode, 0, r.stderr)
        self.assertIn("\nallocator_environment: GLIBC_TUNABLES=glibc.malloc.mmap_max=0\n",
                      rep["runs"][0]["config_text"])
        self.assertEqual(peers.allocator_environment({"PATH": "/bin"}), "")
        self.assertEqual(peers.allocator_environment({"MALLOC_ARENA_MAX": "2", "GLIBC_TUNABLES": "x=1"}),
                         "GLIBC_TUNABLES=x=1 MALLOC_ARENA_MAX=2")

    def test_a_script_that_ignores_sigterm_is_killed_after_the_timeout(self):
        work = tempfile.mkdtemp()
        script = os.path.join(work, "stubborn.py")
        with open(script, "w") as f:
            f.write("import signal, time\nsignal.signal(signal.SIGTERM, signal.SIG_IGN)\n"
                    "print('started', flush=True)\ntime.sleep(60)\n")
        with unittest.mock.patch.object(peers, "KILL_AFTER_S", 0.5):
            text, _, code, timed_out, wall = peers.run_script(
                sys.executable, script, work, dict(os.environ), os.path.join(work, "log"), 1.0)
        self.assertTrue(timed_out)
        self.assertEqual(code, -9)  # SIGKILL, after SIGTERM was ignored
        self.assertLess(wall, 30)
        self.assertIn("started", text)

    def test_a_diverged_run(self):
        r, rep, _ = self.run_standin(env={"STANDIN_DIVERGE_RUN": "1"})
        self.assertEqual(r.returncode, 1)
        self.assertEqual([x["status"] for x in rep["runs"]], ["RUN_STATUS_OK", "RUN_STATUS_DIVERGED", "RUN_STATUS_OK"])
        self.assertEqual(rep["aggregates"][0]["ok_runs"], 2)

    def test_a_script_that_dies(self):
        r, rep, _ = self.run_standin(env={"STANDIN_DIE_RUN": "1"})
        self.assertEqual(r.returncode, 1)
        self.assertEqual([x["status"] for x in rep["runs"]], ["RUN_STATUS_OK", "RUN_STATUS_FAILED", "RUN_STATUS_FAILED"])
        self.assertIn("truncated, exit status 3", rep["runs"][1]["message"])
        self.assertIn("no output for this run", rep["runs"][2]["message"])


class DataCache(unittest.TestCase):
    def setUp(self):
        try:
            import torch  # noqa: F401
        except ImportError:
            self.skipTest("torch is not importable by %s" % sys.executable)

    def test_caches_from_binary_files(self):
        import torch
        src = tempfile.mkdtemp()
        # 4 records a file; record k of file f has label (f + k) % 10 and pixel value 10f + k.
        for f, name in enumerate(["data_batch_%d.bin" % i for i in range(1, 6)] + ["test_batch.bin"]):
            with open(os.path.join(src, name), "wb") as out:
                for k in range(4):
                    out.write(bytes([(f + k) % 10]) + bytes([10 * f + k]) * 1024 + bytes([1]) * 2048)
        work = tempfile.mkdtemp()
        peers.write_data_cache("airbench", src, work, "cpu")
        train = torch.load(os.path.join(work, "cifar10", "train.pt"))
        self.assertEqual(tuple(train["images"].shape), (20, 32, 32, 3))
        self.assertEqual(train["images"].dtype, torch.uint8)
        self.assertEqual(train["labels"].tolist(), [(f + k) % 10 for f in range(5) for k in range(4)])
        self.assertEqual(train["images"][:, 0, 0, 0].tolist(), [10 * f + k for f in range(5) for k in range(4)])
        self.assertEqual(train["classes"][0], "airplane")
        test = torch.load(os.path.join(work, "cifar10", "test.pt"))
        self.assertEqual(test["labels"].tolist(), [5, 6, 7, 8])
        peers.write_data_cache("hlb", src, work, "cpu")
        data = torch.load(os.path.join(work, "data.pt"))
        self.assertEqual(tuple(data["train"]["images"].shape), (20, 3, 32, 32))
        self.assertEqual(data["train"]["images"].dtype, torch.float32)
        self.assertEqual(tuple(data["eval"]["targets"].shape), (4, 10))
        self.assertEqual(data["eval"]["targets"].argmax(1).tolist(), [5, 6, 7, 8])
        # Normalised by the training set's own statistics: channel 0 has mean 0, std 1.
        self.assertAlmostEqual(data["train"]["images"][:, 0].mean().item(), 0, places=5)
        self.assertAlmostEqual(data["train"]["images"][:, 0].std().item(), 1, places=3)

    def test_normalize_stand_in_matches_torchvision(self):
        import torch
        try:
            import torchvision.transforms
        except ImportError:
            self.skipTest("no torchvision to compare with")
        scope = {"torch": torch}
        exec(peers.NORMALIZE, scope)
        mean, std = torch.tensor((0.4914, 0.4822, 0.4465)), torch.tensor((0.2470, 0.2435, 0.2616))
        x = torch.rand(5, 3, 32, 32).half()
        self.assertTrue(torch.equal(scope["T"].Normalize(mean, std)(x),
                                    torchvision.transforms.Normalize(mean, std)(x)))


# Recorded values (testdata/README.md).
HLB_COMPLETE_ACC, HLB_COMPLETE_TIME = [0.2554, 0.2324], [33.657, 46.8046]
MU_COMPLETE_ACC, MU_COMPLETE_TIME = [0.4982, 0.4588], [211.6615, 232.877]
HV_COMPLETE_ACC, HV_COMPLETE_TIME = [0.5034, 0.5199], [63.8319, 50.0839]

if __name__ == "__main__":
    p = argparse.ArgumentParser()
    p.add_argument("--compare", default="")
    a, rest = p.parse_known_args()
    COMPARE = os.path.abspath(a.compare) if a.compare else ""
    # Every tempfile.mkdtemp() of the tests lands in one folder, removed at the end.
    with tempfile.TemporaryDirectory(prefix="peers_test.") as scratch:
        tempfile.tempdir = scratch
        result = unittest.main(argv=[sys.argv[0]] + rest, verbosity=2, exit=False).result
    sys.exit(0 if result.wasSuccessful() else 1)
