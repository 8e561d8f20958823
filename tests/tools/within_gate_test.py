#!/usr/bin/env python3
"""tools/within_gate.py: the cross-LibTorch accuracy gate of tools/ci_bench.sh --within_baseline."""
import json
import os
import subprocess
import sys
import tempfile
import unittest

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.realpath(__file__))))
GATE = os.path.join(ROOT, "tools", "within_gate.py")
sys.path.insert(0, os.path.join(ROOT, "tools"))
import within_gate  # noqa: E402

# hlb_record_smoke, seeds 0-4: Debian 1.13's committed baseline and a pip 2.11 run of
# 2026-12-01 on another CPU (-3.10 pp; seeds 0-19 gave -0.44 pp).
BASE = [0.487, 0.487, 0.527, 0.504, 0.496]
NEW = [0.466, 0.446, 0.494, 0.467, 0.473]


def report(runs, schema3=True):
    ok = "RUN_STATUS_OK" if schema3 else "OK"
    return {"schema_version": 3 if schema3 else 2, "context": {},
            "runs": [{"recipe": r, "headline_accuracy": a, "status": s or ok} for r, a, s in runs]}


class WithinGateTest(unittest.TestCase):
    def setUp(self):
        self.dir = tempfile.TemporaryDirectory()

    def tearDown(self):
        self.dir.cleanup()

    def write(self, name, rep):
        path = os.path.join(self.dir.name, name)
        with open(path, "w") as f:
            json.dump(rep, f)
        return path

    def gate(self, base_runs, new_runs, *args, base_schema3=False):
        b = self.write("base.json", report(base_runs, schema3=base_schema3))
        n = self.write("new.json", report(new_runs))
        p = subprocess.run([sys.executable, GATE, b, n, *args], capture_output=True, text=True)
        return p.returncode, p.stdout + p.stderr

    @staticmethod
    def runs(recipe, accs, status=None):
        return [(recipe, a, status) for a in accs]

    def test_exact_p_by_hand(self):
        # 3 against 3, all of new above all of base: 1 split in C(6,3) = 20 is as extreme.
        self.assertAlmostEqual(within_gate.shifted_p([0.0] * 3, [1.0] * 3, 0.0, lower=False), 1 / 20)
        self.assertAlmostEqual(within_gate.shifted_p([0.0] * 3, [1.0] * 3, 0.0, lower=True), 1.0)
        # Moved by the shift: new - 0.5 against base ties half way; p is no longer 1/20.
        self.assertGreater(within_gate.shifted_p([0.0, 0.1, 0.2], [0.6, 0.7, 0.8], 0.5, lower=False), 1 / 20)

    def test_identical_runs_are_within(self):
        rc, out = self.gate(self.runs("r", BASE), self.runs("r", BASE))
        self.assertEqual(rc, 0, out)
        self.assertIn("+0.00 pp", out)
        self.assertIn("within 2 pp", out)

    def test_five_noisy_seeds_beyond_the_margin_do_not_fail(self):
        rc, out = self.gate(self.runs("hlb_record_smoke", BASE), self.runs("hlb_record_smoke", NEW))
        self.assertEqual(rc, 0, out)
        self.assertIn("-3.10 pp", out)
        self.assertIn("not shown beyond it", out)

    def test_a_real_drop_fails_either_way(self):
        rc, out = self.gate(self.runs("r", BASE), self.runs("r", [a - 0.10 for a in BASE]))
        self.assertEqual(rc, 1, out)
        self.assertIn("BEYOND 2 pp (permutation p = 0.0040", out)  # 1/252
        rc, out = self.gate(self.runs("r", BASE), self.runs("r", [a + 0.10 for a in BASE]))
        self.assertEqual(rc, 1, out)
        self.assertIn("+10.00 pp", out)

    def test_one_bad_recipe_fails_the_whole(self):
        rc, out = self.gate(self.runs("a", BASE) + self.runs("b", BASE),
                            self.runs("a", BASE) + self.runs("b", [0.1] * 5))
        self.assertEqual(rc, 1, out)
        self.assertIn("a                      mean accuracy +0.00 pp", out)

    def test_monte_carlo_above_the_exact_limit(self):
        base = [0.45 + 0.005 * (i % 10) for i in range(20)]
        rc, out = self.gate(self.runs("r", base), self.runs("r", [a - 0.08 for a in base]))
        self.assertEqual(rc, 1, out)
        rc, out = self.gate(self.runs("r", base), self.runs("r", base[::-1]))
        self.assertEqual(rc, 0, out)

    def test_failed_runs_are_left_out_and_too_few_is_an_error(self):
        rc, out = self.gate(self.runs("r", BASE), self.runs("r", [0.0] * 4, "RUN_STATUS_FAILED") +
                            self.runs("r", BASE[:2]))
        self.assertEqual(rc, 0, out)
        self.assertIn("(2 vs 5 runs)", out)
        rc, out = self.gate(self.runs("r", BASE), self.runs("r", BASE[:1]))
        self.assertEqual(rc, 2, out)
        self.assertIn("need at least 2 a side", out)

    def test_schema_3_baseline_and_no_common_recipe(self):
        rc, out = self.gate(self.runs("r", BASE), self.runs("r", BASE), base_schema3=True)
        self.assertEqual(rc, 0, out)
        rc, out = self.gate(self.runs("r", BASE), self.runs("other", BASE))
        self.assertEqual(rc, 2, out)
        self.assertIn("no recipe of", out)

    def test_bad_input_says_which_file(self):
        bad = self.write("bad.json", {"runs": [{"recipe": "r", "status": "RUN_STATUS_OK"}]})
        good = self.write("good.json", report(self.runs("r", BASE)))
        p = subprocess.run([sys.executable, GATE, good, bad], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("bad.json: runs[0] has no headline_accuracy", p.stderr)
        p = subprocess.run([sys.executable, GATE, good, os.path.join(self.dir.name, "missing.json")],
                           capture_output=True, text=True)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("cannot read", p.stderr)
        not_object = self.write("not_object.json", {"runs": [3]})
        p = subprocess.run([sys.executable, GATE, good, not_object], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2, p.stderr)
        self.assertIn("not_object.json: runs[0] is not an object", p.stderr)
        p = subprocess.run([sys.executable, GATE, good, good, "--margin=0"], capture_output=True, text=True)
        self.assertEqual(p.returncode, 2, p.stderr)


if __name__ == "__main__":
    unittest.main()
