#!/usr/bin/env bash
# The same reduced recipe on the CPU, the Python original (A) against cifarbench (B), in A-B-B-A
# order so that a drift of the machine over the four runs cancels out of the ratio (issue 15,
# item 4). One run per slot, 2 threads each, nothing else should run on the cores.
#
#   tools/peers/abba.sh --recipe=RECIPE --checkout=DIR --bench=BIN
#                       --out=DIR [--python=PY] [--data_dir=DIR] [--threads=2]
#                       [--host_malloc=retain|system]   (bench's; default retain)
#                       [--summary_only]   (the table again from OUT's four reports)
#
#   hlb_record       quarter width 16/64/128, 12.1 epochs (everything else as published)
#   airbench94_muon  quarter width 16/64/64, 8 epochs, the head's divisor kept at 256
#   airbench94       quarter width 16/64/64, 9.9 epochs (its head scales by 1/9 at any width)
#   hiverge_record   quarter width 16/64/64, 7.59 epochs, the head's divisor kept at 256
#
# The Python side is tools/peers/peers.py's CPU mode (its patch table: docs/peers.md); the
# cifarbench side is `bench` with the same widths and epochs, evaluation only at the end.
# Writes OUT/{A1,B1,B2,A2}.json (bench reports; B2 runs seed 1 so that B1 and B2 merge) and
# OUT/abba.md: each slot's accuracy and time, and the ratio of the means (B / A) of the time the
# original publishes (train_s for hlb, time_to_result_s for airbench). Exit 1 when a run fails.
set -euo pipefail
prog="abba.sh"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
recipe="" checkout="" bench="" out="" python="python3" threads=2 summary_only=false
host_malloc=retain
data_dir="${CIFAR10_DIR:-$root/../shared/cifar10}"
while [[ $# -gt 0 ]]; do
  case "$1" in
    --recipe=*) recipe="${1#*=}" ;;
    --checkout=*) checkout="${1#*=}" ;;
    --bench=*) bench="${1#*=}" ;;
    --out=*) out="${1#*=}" ;;
    --python=*) python="${1#*=}" ;;
    --data_dir=*) data_dir="${1#*=}" ;;
    --threads=*) threads="${1#*=}" ;;
    --host_malloc=*) host_malloc="${1#*=}" ;;
    --summary_only) summary_only=true ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "$prog: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
required=(recipe checkout bench out)
[[ "$summary_only" == true ]] && required=(recipe out)
for v in "${required[@]}"; do
  [[ -n "${!v}" ]] || { echo "$prog: --$v is required (see --help)" >&2; exit 2; }
done
case "$recipe" in
  hlb_record)
    widths=16,64,128 epochs=12.1 metric=train_s
    bench_set=(--set hlb.model.widths=16,64,128) ;;
  airbench94_muon | airbench94 | hiverge_record)
    widths=16,64,64 metric=time_to_result_s
    bench_set=(--set airbench.model.widths=16,64,64)
    case "$recipe" in
      airbench94_muon) epochs=8 ;;
      airbench94) epochs=9.9 ;;
      hiverge_record) epochs=7.59 ;;
    esac
    # The published width's divisor (the original divides the logits by the last width);
    # airbench94's head scales by 1/9 at any width.
    [[ "$recipe" == airbench94 ]] || bench_set+=(--set airbench.model.head_divisor=256) ;;
  *) echo "$prog: --recipe must be hlb_record, airbench94_muon, airbench94 or hiverge_record, got '$recipe'" >&2
     exit 2 ;;
esac
[[ "$host_malloc" == retain || "$host_malloc" == system ]] ||
  { echo "$prog: --host_malloc must be retain or system, got '$host_malloc'" >&2; exit 2; }
[[ "$summary_only" == true ]] || [[ -x "$bench" ]] || { echo "$prog: --bench=$bench is not an executable" >&2; exit 2; }
[[ "$summary_only" == true ]] || [[ -d "$checkout" ]] || { echo "$prog: --checkout=$checkout is not a folder" >&2; exit 2; }
mkdir -p "$out"
out="$(cd "$out" && pwd -P)"

python_side() {  # slot
  "$python" "$root/tools/peers/peers.py" run --checkout="$checkout" --recipe="$recipe" --runs=1 \
    --device=cpu --threads="$threads" --widths="$widths" --epochs="$epochs" \
    --data_dir="$data_dir" --work="$out/work-$1" --out="$out/$1.json"
}
cifarbench_side() {  # slot seed
  "$bench" --recipe="$recipe" --device=cpu --threads="$threads" --seed="$2" --runs=1 \
    --host_malloc="$host_malloc" \
    "${bench_set[@]}" --set eval.per_epoch=false --data_dir="$data_dir" --out="$out/$1.json" \
    >"$out/$1.log" 2>&1
}
for slot in A1 B1 B2 A2; do
  [[ "$summary_only" == true ]] && break
  printf '%s: %s %s\n' "$prog" "$slot" "$(date -u +%FT%TZ)"
  case "$slot" in
    A*) python_side "$slot" ;;
    B1) cifarbench_side B1 0 ;;
    B2) cifarbench_side B2 1 ;;
  esac
done

for slot in A1 B1 B2 A2; do
  [[ -f "$out/$slot.json" ]] || { echo "$prog: no report $out/$slot.json (run $slot failed?)" >&2; exit 1; }
done
"$python" - "$out" "$recipe" "$metric" "$epochs" <<'EOF'
import json, statistics, sys
out, recipe, metric, epochs = sys.argv[1], sys.argv[2], sys.argv[3], float(sys.argv[4])
rows, times, ok = [], {"A": [], "B": []}, True
for slot in ["A1", "B1", "B2", "A2"]:
    report = json.load(open(f"{out}/{slot}.json"))
    run = report["runs"][0]
    t = run.get("timings", {})
    value = t.get(metric, 0.0)
    ok &= run["status"] in ("RUN_STATUS_OK", "OK")  # report schema 3, and 1-2
    times[slot[0]].append(value)
    side = "Python original" if slot[0] == "A" else "cifarbench"
    seconds = lambda v: f"{v:.1f} s" if v else "(not printed)"
    rows.append(f"| {slot} | {side} | {100 * run['headline_accuracy']:.2f}% ({run['headline']}) | "
                f"{seconds(t.get('train_s', 0))} | {seconds(t.get('time_to_result_s', 0))} | "
                f"{seconds(t.get('train_s', 0) / epochs)} |")
ratio = statistics.mean(times["B"]) / statistics.mean(times["A"])
text = "\n".join([
    f"{recipe}: A-B-B-A on the CPU ({metric}, the time its original publishes)", "",
    "| slot | side | headline | train_s | time_to_result_s | train_s per epoch |",
    "| --- | --- | --- | --- | --- | --- |", *rows, "",
    f"cifarbench / original, mean {metric}: {ratio:.3f}x", ""])
open(f"{out}/abba.md", "w").write(text)
print(text)
sys.exit(0 if ok else 1)
EOF
