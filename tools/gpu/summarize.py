#!/usr/bin/env python3
"""Tables of cifarbench bench reports (proto/report.proto's BenchReport, as JSON), for
tools/gpu/run.sh. Standard library only: the GPU machines have python3 and nothing else of ours.

  summarize.py --table REPORT.json...     recipe | runs | headline accuracy | train_s | card
  summarize.py --markdown REPORT.json...  summary.md: aggregates, context and every run
  summarize.py --card REPORT.json...      the card the reports were measured on

Every figure is read from the reports (the runner's own aggregates); nothing is recomputed.
"""
import argparse
import json
import sys


OK = ("RUN_STATUS_OK", "OK")  # a run that ended OK: report schema 3, and 1-2


def load(paths):
    reports = []
    for path in paths:
        with open(path, encoding="utf-8") as f:
            report = json.load(f)
        # 2: recipe schema 2 (plugin-owned settings); the fields read here are the same in 1.
        # 3: RunStatus names prefixed ("RUN_STATUS_OK"; "OK" before).
        if report.get("schema_version") not in (1, 2, 3):
            sys.exit(f"summarize.py: {path}: schema_version {report.get('schema_version')}, "
                     "this script reads 1 to 3")
        reports.append(report)
    return reports


def card(context):
    return context.get("device_name") or context.get("device") or "unknown"


def pct(x):
    return f"{100 * x:.2f}%"


def accuracy(agg):
    if not agg or not agg.get("ok_runs"):
        return "no OK run"
    if agg["ok_runs"] < 2:
        return pct(agg["accuracy_mean"])
    return f"{pct(agg['accuracy_mean'])} ± {100 * agg['accuracy_std']:.2f}"


def runs(agg, report):
    total = agg.get("runs", 0) if agg else len(report.get("runs", []))
    ok = agg.get("ok_runs", 0) if agg else 0
    return str(total) if ok == total else f"{total} ({ok} OK)"


def seconds(x):
    return f"{x:.2f} s"


def rows_of(reports):
    """One (report, aggregate) pair per recipe in the reports, in their order."""
    for report in reports:
        aggs = report.get("aggregates") or [None]
        for agg in aggs:
            yield report, agg


def aligned(header, rows):
    """A Markdown table padded to line up on a terminal (and pasteable into docs/)."""
    widths = [max(len(str(r[i])) for r in [header] + rows) for i in range(len(header))]

    def line(cells):
        return "| " + " | ".join(str(c).ljust(w) for c, w in zip(cells, widths)) + " |"

    return "\n".join([line(header), line("-" * w for w in widths)] + [line(r) for r in rows])


def markdown_table(header, rows):
    lines = ["| " + " | ".join(header) + " |", "|" + " --- |" * len(header)]
    lines += ["| " + " | ".join(str(c) for c in r) + " |" for r in rows]
    return "\n".join(lines)


def recipe_of(report, agg):
    if agg:
        return agg["recipe"]
    return report["runs"][0]["recipe"] if report.get("runs") else "?"


def step_modes(report):
    modes = sorted({r.get("step_mode") or "eager" for r in report.get("runs", [])})
    return "/".join(modes) if modes else "-"


def mean_tflops(report):
    tflops = [r.get("cost", {}).get("achieved_tflops", 0) for r in report.get("runs", [])
              if r.get("status") in OK]
    return f"{sum(tflops) / len(tflops):.1f}" if tflops and any(tflops) else "-"


def table(reports):
    header = ["recipe", "runs", "step", "headline accuracy mean ± std", "train_s mean",
              "time_to_result_s mean", "TFLOP/s", "card"]
    rows = []
    for report, agg in rows_of(reports):
        ok = agg and agg.get("ok_runs")
        rows.append([recipe_of(report, agg), runs(agg, report), step_modes(report),
                     accuracy(agg),
                     seconds(agg["train_s_mean"]) if ok else "-",
                     seconds(agg["time_to_result_s_mean"]) if ok else "-",
                     mean_tflops(report),
                     card(report.get("context", {}))])
    return aligned(header, rows)


def clocks(c):
    if not c.get("gpu_max_sm_clock_mhz"):
        return "-"
    return (f"{c.get('gpu_sm_clock_mhz', 0):.0f} / {c.get('gpu_max_sm_clock_mhz', 0):.0f} / "
            f"{c.get('gpu_mem_clock_mhz', 0):.0f} MHz, {c.get('gpu_power_limit_w', 0):.0f} W")


def warmup(report):
    w = report.get("warmup") or {}
    if not w:
        return "none"
    return f"{'ran' if w.get('ran') else 'FAILED'} ({w.get('seconds', 0):.1f} s)"


def markdown(reports):
    cards = sorted({card(r.get("context", {})) for r in reports})
    out = [f"# cifarbench results: {', '.join(cards)}", ""]

    out += ["## Recipes", "",
            "Headline accuracy: the recipe's headline evaluation (`headline` below, e.g. EMA "
            "weights with flip TTA); `train_s`: the training epochs only (hlb-CIFAR10's "
            "convention); `time_to_result_s`: initialisation + training + final evaluation "
            "(airbench's). Mean ± standard deviation over the OK runs.", ""]
    rows = []
    for report, agg in rows_of(reports):
        ok = agg and agg.get("ok_runs")
        run0 = report["runs"][0] if report.get("runs") else {}
        tflops = [r.get("cost", {}).get("achieved_tflops", 0) for r in report.get("runs", [])
                  if r.get("status") in OK]
        rows.append([
            recipe_of(report, agg), runs(agg, report), run0.get("headline", "-"),
            accuracy(agg),
            f"{pct(agg['accuracy_min'])} – {pct(agg['accuracy_max'])}" if ok else "-",
            (f"{100 * agg['fraction_at_target']:.0f}% at {pct(agg['target_accuracy'])}"
             if ok and agg.get("target_accuracy") else "-"),
            f"{agg['train_s_mean']:.2f} ± {agg['train_s_std']:.2f}" if ok else "-",
            f"{agg['time_to_result_s_mean']:.2f}" if ok else "-",
            f"{sum(tflops) / len(tflops):.1f}" if tflops and any(tflops) else "-",
            card(report.get("context", {})),
        ])
    out += [markdown_table(["recipe", "runs", "headline", "accuracy mean ± std", "min – max",
                            "runs at target", "train_s mean ± std", "time_to_result_s mean",
                            "TFLOP/s", "card"], rows), ""]

    out += ["## Context", ""]
    rows = []
    for report in reports:
        c = report.get("context", {})
        rows.append([recipe_of(report, (report.get("aggregates") or [None])[0]),
                     c.get("date", ""), c.get("host", ""), c.get("device", ""), card(c),
                     c.get("driver_version") or "-", c.get("cuda_version") or "-",
                     c.get("cudnn_version") or "-", c.get("libtorch_version", ""),
                     c.get("build_type", ""), "yes" if c.get("tf32_allowed") else "no",
                     "yes" if c.get("cudnn_benchmark") else "no", c.get("cpu_threads", ""),
                     clocks(c), warmup(report)])
    out += [markdown_table(["recipe", "date", "host", "device", "card", "driver", "CUDA", "cuDNN",
                            "LibTorch", "build", "TF32", "cuDNN benchmark", "CPU threads",
                            "SM / max SM / memory clock, power limit", "warm-up"],
                           rows), ""]

    out += ["## Runs", ""]
    rows = []
    for report in reports:
        for r in report.get("runs", []):
            t = r.get("timings", {})
            rows.append([r.get("recipe", ""), r.get("seed", ""), r.get("status", ""),
                         pct(r.get("headline_accuracy", 0)), pct(r.get("live_accuracy", 0)),
                         r.get("step_mode") or "eager",
                         f"{t.get('train_s', 0):.2f}", f"{t.get('time_to_result_s', 0):.2f}",
                         f"{t.get('init_s', 0):.2f}", f"{t.get('capture_s', 0):.2f}",
                         f"{t.get('final_eval_s', 0):.2f}",
                         (f"epoch {r['target_epoch']}, {r.get('time_to_target_s', 0):.2f} s"
                          if r.get("target_epoch", -1) >= 0 else "-"),
                         r.get("config_sha256", "")[:12], r.get("message") or ""])
    out += [markdown_table(["recipe", "seed", "status", "headline", "live net", "step", "train_s",
                            "time_to_result_s", "init_s", "capture_s", "final_eval_s",
                            "time to target", "config sha256", "message"], rows)]
    return "\n".join(out)


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--table", action="store_true")
    mode.add_argument("--markdown", action="store_true")
    mode.add_argument("--card", action="store_true")
    parser.add_argument("reports", nargs="+")
    args = parser.parse_args()
    reports = load(args.reports)
    if args.card:
        print(next((card(r["context"]) for r in reports if r.get("context")), "unknown"))
    elif args.table:
        print(table(reports))
    else:
        print(markdown(reports))


if __name__ == "__main__":
    main()
