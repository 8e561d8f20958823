#!/usr/bin/env python3
"""Is each recipe's mean accuracy within a margin of another report's? (ci_bench.sh --within_baseline)

    tools/within_gate.py BASELINE.json REPORT.json [--margin=0.02] [--alpha=0.05]

Compares two bench reports (or merged reports) recipe by recipe: the pip torch 2.x smoke runs
against Debian's 1.13 baseline. Across LibTorch versions (and CPUs) a seed does not reproduce,
so the runs are two independent samples, and 5 seeds at CI size scatter by 2-5 pp per run: the
difference of two 5-seed means misses the true one by 1-2 pp on its own. Measured on
2026-12-01: hlb_record_smoke seeds 0-4 gave -3.10 pp (2.11 against 1.13), seeds 0-19 -0.44 pp
on the same machine (docs/benchmarks.md, "CI").

So a recipe fails only when its runs show that the difference is beyond the margin: an exact
permutation test (every split of the pooled runs, Monte Carlo above 200,000 splits) of the
mean difference against -margin and against +margin, one-sided at alpha/2 each. A shift of
--margin alone cannot fail; a real regression (a planted lr of 0 costs tens of pp) fails with
p = 1/252 at 5 runs a side.

Prints one line per recipe in both reports. Exit 0: every recipe within; 1: one or more beyond
the margin; 2: usage, unreadable report, no recipe in common, or under 2 OK runs a side.
"""
import argparse
import itertools
import json
import math
import random
import sys

EXACT_LIMIT = 200_000
MONTE_CARLO_SPLITS = 100_000


def die(message):
    print("within_gate: " + message, file=sys.stderr)
    sys.exit(2)


def ok_accuracies(path):
    """recipe -> headline accuracies of its OK runs, from a bench report's runs[]."""
    try:
        with open(path) as f:
            report = json.load(f)
    except (OSError, ValueError) as e:
        die("cannot read %s: %s" % (path, e))
    runs = report.get("runs") if isinstance(report, dict) else None
    if not isinstance(runs, list):
        die("%s has no runs[] (not a bench report)" % path)
    out = {}
    for i, run in enumerate(runs):
        if not isinstance(run, dict):
            die("%s: runs[%d] is not an object" % (path, i))
        # "OK": report schema 2's name for it (the committed baselines predate schema 3).
        if run.get("status") not in ("RUN_STATUS_OK", "OK"):
            continue
        acc = run.get("headline_accuracy")
        if not isinstance(acc, (int, float)) or not 0 <= acc <= 1:
            die("%s: runs[%d] has no headline_accuracy in [0, 1]" % (path, i))
        out.setdefault(run.get("recipe", ""), []).append(float(acc))
    return out


def shifted_p(base, new, shift, lower):
    """One-sided permutation p-value of mean(new) - mean(base) against `shift`.

    lower=True: the chance, were the true difference `shift`, of a difference as low as the one
    seen; lower=False: as high. The runs of `new` are moved by -shift and pooled with `base`."""
    moved = [x - shift for x in new]
    pooled = base + moved
    n, total = len(new), sum(pooled)
    seen = sum(moved) / n - (total - sum(moved)) / len(base)
    eps = 1e-12

    def as_extreme(chosen_sum):  # the split's difference as far out as the one seen
        d = chosen_sum / n - (total - chosen_sum) / len(base)
        return d <= seen + eps if lower else d >= seen - eps

    splits = math.comb(len(pooled), n)
    if splits <= EXACT_LIMIT:
        return sum(as_extreme(sum(c)) for c in itertools.combinations(pooled, n)) / splits
    rng = random.Random(0)
    hits = sum(as_extreme(sum(rng.sample(pooled, n))) for _ in range(MONTE_CARLO_SPLITS))
    return (hits + 1) / (MONTE_CARLO_SPLITS + 1)


def judge(base, new, margin, alpha):
    """(verdict, change, p): verdict 'within', 'not beyond' or 'BEYOND'."""
    change = sum(new) / len(new) - sum(base) / len(base)
    if abs(change) <= margin:
        return "within", change, 1.0
    p = shifted_p(base, new, -margin if change < 0 else margin, lower=change < 0)
    return ("BEYOND" if p < alpha / 2 else "not beyond"), change, p


def main(argv):
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("baseline")
    ap.add_argument("report")
    ap.add_argument("--margin", type=float, default=0.02, help="accuracy, as a fraction (0.02 = 2 pp)")
    ap.add_argument("--alpha", type=float, default=0.05)
    a = ap.parse_args(argv)
    if not 0 < a.margin < 1 or not 0 < a.alpha < 1:
        ap.error("--margin and --alpha must lie in (0, 1)")
    base, new = ok_accuracies(a.baseline), ok_accuracies(a.report)
    common = [r for r in new if r in base]
    if not common:
        print("within_gate: no recipe of %s is in %s" % (a.report, a.baseline), file=sys.stderr)
        return 2
    rc = 0
    for recipe in common:
        b, n = base[recipe], new[recipe]
        if len(b) < 2 or len(n) < 2:
            print("%-22s %d and %d OK runs: need at least 2 a side" % (recipe, len(b), len(n)))
            rc = 2
            continue
        verdict, change, p = judge(b, n, a.margin, a.alpha)
        words = {
            "within": "within %g pp" % (100 * a.margin),
            "not beyond": "outside %g pp, but not shown beyond it (permutation p = %.3f >= %g)"
                          % (100 * a.margin, p, a.alpha / 2),
            "BEYOND": "BEYOND %g pp (permutation p = %.4f < %g)" % (100 * a.margin, p, a.alpha / 2),
        }[verdict]
        print("%-22s mean accuracy %+.2f pp against %s (%d vs %d runs): %s" % (
            recipe, 100 * change, a.baseline, len(n), len(b), words))
        if verdict == "BEYOND" and rc == 0:
            rc = 1
    return rc


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
