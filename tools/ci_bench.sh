#!/usr/bin/env bash
# The CI benchmark report: the smoke recipes of hlb_record, hlb_long, page_resnet9 and
# airbench94_muon (--recipes; the other smoke recipes are run by the tests) with 5 seeds on the
# CPU, at CI size (see CI_SIZE below), merged into one bench report, compared with the committed
# baseline bench/baselines/cpu_smoke.json, and written to OUT_DIR as JSON, Markdown and SVG.
#
#   tools/ci_bench.sh --bench=BIN --compare=BIN --merge=BIN --out=DIR
#                     [--baseline=bench/baselines/cpu_smoke.json] [--recipes=a,b,...]
#                     [--seeds=5] [--set field=value ...] [--update_baseline]
#                     [--data_dir=DIR]   (default $CIFAR10_DIR, else ../shared/cifar10)
#                     [--within_baseline=FILE]
#
# CPU runs are deterministic per seed (same thread count, tests/bench/bench_test.cc), so the
# accuracy is compared seed by seed (compare --paired_seeds): a drop of the mean per-seed
# accuracy beyond 2 pp fails (exit 1); 2 pp leaves room for a CPU whose kernels round
# differently, far below what a real regression costs (a planted lr of 0 costs tens of pp). Times are reported, not gated (CI machines are
# noisy: --gate_time=false). --update_baseline copies the new report over the baseline
# instead of comparing (then commit it; README: "CI benchmark report"). --set is passed to
# every run (tests plant a regression with it). --within_baseline=FILE also compares the report
# with another LibTorch's baseline as a whole (the pip torch 2.x runs against Debian's 1.13
# baseline): each recipe's mean accuracy must not be shown to lie more than 2 pp from FILE's,
# either way (tools/within_gate.py: an exact permutation test against -2 and +2 pp): a CPU's
# kernels differ between LibTorch versions, so seeds do not reproduce across them, and 5 seeds
# at CI size scatter by 2-5 pp per run, so a 5-seed mean alone moves by 2 pp or more. compare's
# table of the two is written to compare_within.{md,json}. Exit: 0 no regression, 1 regression,
# 2 usage or a run that failed.
set -euo pipefail
prog="ci_bench.sh"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd -P)"
bench="" compare="" merge="" out="" baseline="$root/bench/baselines/cpu_smoke.json" within=""
recipes="hlb_record_smoke,hlb_long_smoke,page_resnet9_smoke,airbench94_muon_smoke" seeds=5 update=false
data_dir="${CIFAR10_DIR:-$root/../shared/cifar10}"
extra=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --bench=*) bench="${1#*=}" ;;
    --compare=*) compare="${1#*=}" ;;
    --merge=*) merge="${1#*=}" ;;
    --out=*) out="${1#*=}" ;;
    --baseline=*) baseline="${1#*=}" ;;
    --within_baseline=*) within="${1#*=}" ;;
    --recipes=*) recipes="${1#*=}" ;;
    --seeds=*) seeds="${1#*=}" ;;
    --data_dir=*) data_dir="${1#*=}" ;;
    --set) shift; extra+=(--set "$1") ;;
    --update_baseline) update=true ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "$prog: unknown argument $1" >&2; exit 2 ;;
  esac
  shift
done
for v in bench compare merge out; do
  [[ -n "${!v}" ]] || { echo "$prog: --$v is required (see --help)" >&2; exit 2; }
done
[[ "$seeds" =~ ^[1-9][0-9]*$ ]] || { echo "$prog: --seeds must be >= 1" >&2; exit 2; }
# CI size: each smoke recipe's procedure on 2,000 training and 1,000 test images, so that
# 4 recipes x 5 seeds take minutes on 2 cores; the thread count is fixed for determinism.
CI_SIZE=(--device=cpu --threads=2 --seed=0 --set data.train_subset=2000 --set data.test_subset=1000)
mkdir -p "$out"
reports=()
IFS=',' read -r -a list <<<"$recipes"
for r in "${list[@]}"; do
  echo "+ bench --recipe=$r --runs=$seeds ${CI_SIZE[*]} ${extra[*]}"
  "$bench" --recipe="$r" --runs="$seeds" "${CI_SIZE[@]}" "${extra[@]}" --data_dir="$data_dir" \
    --out="$out/$r.json" >"$out/$r.log" 2>&1 || { tail -n 20 "$out/$r.log"; echo "$prog: $r failed" >&2; exit 2; }
  tail -n 2 "$out/$r.log" | sed -n 1p
  reports+=("$out/$r.json")
done
"$merge" --out="$out/cpu_smoke.json" "${reports[@]}" >/dev/null
if [[ "$update" == true ]]; then
  cp "$out/cpu_smoke.json" "$baseline"
  echo "baseline updated: $baseline (commit it)"
  exit 0
fi
[[ -f "$baseline" ]] || { echo "$prog: no baseline $baseline (run with --update_baseline)" >&2; exit 2; }
rc=0
"$compare" "$baseline" "$out/cpu_smoke.json" --paired_seeds --gate_time=false \
  --max_accuracy_drop=0.02 --base_label=baseline --new_label=this \
  --markdown_out="$out/compare.md" --json_out="$out/compare.json" --svg_dir="$out" || rc=$?
if [[ -n "$within" ]]; then
  [[ -f "$within" ]] || { echo "$prog: no baseline $within (--within_baseline)" >&2; exit 2; }
  within_rc=0
  "$compare" "$within" "$out/cpu_smoke.json" --gate_time=false --max_accuracy_drop=0.02 \
    --base_label="$(basename "$within" .json)" --new_label=this \
    --markdown_out="$out/compare_within.md" --json_out="$out/compare_within.json" >/dev/null || within_rc=$?
  [[ $within_rc -le 1 ]] || { echo "$prog: compare against $within failed (exit $within_rc)" >&2; exit 2; }
  # The gate itself: tools/within_gate.py (fails only when the runs show a difference beyond 2
  # pp; a 5-seed mean alone moves by that much). compare's table above is for reading.
  gate_rc=0
  python3 "$root/tools/within_gate.py" "$within" "$out/cpu_smoke.json" --margin=0.02 || gate_rc=$?
  [[ $gate_rc -le 1 ]] || { echo "$prog: tools/within_gate.py failed (exit $gate_rc)" >&2; exit 2; }
  [[ $gate_rc -eq 0 ]] || rc=1
fi
echo "CI benchmark report: $out (compare.md, compare.json, cpu_smoke.json, *.svg)"
exit "$rc"
