#!/usr/bin/env bash
# Runs a cifarbench sweep as a Slurm job array: one array task per shard (bench --shard=i/n),
# then a job that depends on the whole array and merges the shard reports (bench/merge). No
# scheduler of our own: Slurm runs the tasks wherever it has room.
#
#   tools/slurm/sweep.sh --shards=N --out=DIR [--bench=PATH] [--merge=PATH]
#                        [--sbatch_args='...'] -- BENCH_FLAGS...
#
#   --shards=N       array tasks (shards) 0..N-1
#   --out=DIR        shard reports DIR/shard-<i>.json, logs DIR/shard-<i>.log, the merged
#                    report DIR/merged.json (written by the merge job)
#   --bench=PATH     the runner (default: bazel-bin/bench/bench beside this script's tree)
#   --merge=PATH     the merger (default: bazel-bin/bench/merge)
#   --sbatch_args=S  extra sbatch options for every job (partition, time, GPUs: --gres=gpu:1)
#   BENCH_FLAGS      the sweep, as bench takes it: --recipe=... --runs=... --grid ... --set ...
#                    (not --out or --shard: this script sets them)
#
# Prints the array's and the merge job's ids; `squeue` and the logs say how they go. Exit 2
# for bad usage, 1 when sbatch refuses a job.
set -euo pipefail
prog="sweep.sh"
root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
shards="" out="" bench="$root/bazel-bin/bench/bench" merge="$root/bazel-bin/bench/merge"
sbatch_args=""
bench_flags=()
while [[ $# -gt 0 ]]; do
  case "$1" in
    --shards=*) shards="${1#*=}" ;;
    --out=*) out="${1#*=}" ;;
    --bench=*) bench="${1#*=}" ;;
    --merge=*) merge="${1#*=}" ;;
    --sbatch_args=*) sbatch_args="${1#*=}" ;;
    --) shift; bench_flags=("$@"); break ;;
    -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
    *) echo "$prog: unknown argument $1 (bench's flags go after --)" >&2; exit 2 ;;
  esac
  shift
done
[[ "$shards" =~ ^[1-9][0-9]*$ ]] || { echo "$prog: --shards=N (N >= 1) is required" >&2; exit 2; }
[[ -n "$out" ]] || { echo "$prog: --out=DIR is required" >&2; exit 2; }
[[ ${#bench_flags[@]} -gt 0 ]] || { echo "$prog: give bench's flags after --" >&2; exit 2; }
for f in "${bench_flags[@]}"; do
  case "$f" in
    --out=* | --shard=*) echo "$prog: $f: this script sets --out and --shard" >&2; exit 2 ;;
  esac
done
for tool in "$bench" "$merge"; do
  [[ -x "$tool" ]] || { echo "$prog: $tool is not built (bazel build //bench:bench //bench:merge)" >&2; exit 2; }
done
command -v sbatch >/dev/null || { echo "$prog: no sbatch on PATH (is this a Slurm submit host?)" >&2; exit 2; }
mkdir -p "$out"
out="$(cd "$out" && pwd -P)"

quoted="$(printf ' %q' "${bench_flags[@]}")"
# shellcheck disable=SC2086  # sbatch_args is a list of options
array_id="$(sbatch --parsable $sbatch_args --job-name=cifarbench-sweep --array=0-$((shards - 1)) \
  --output="$out/shard-%a.log" --wrap="$(printf '%q' "$bench")$quoted --shard=\${SLURM_ARRAY_TASK_ID}/$shards --out=$out/shard-\${SLURM_ARRAY_TASK_ID}.json")" ||
  { echo "$prog: sbatch refused the array job" >&2; exit 1; }
array_id="${array_id%%;*}"
reports=""
for ((i = 0; i < shards; ++i)); do reports+=" $out/shard-$i.json"; done
# shellcheck disable=SC2086
merge_id="$(sbatch --parsable $sbatch_args --job-name=cifarbench-merge \
  --dependency=afterany:"$array_id" --output="$out/merge.log" \
  --wrap="$(printf '%q' "$merge") --out=$out/merged.json$reports")" ||
  { echo "$prog: sbatch refused the merge job" >&2; exit 1; }
echo "array job $array_id ($shards shards), merge job ${merge_id%%;*}: $out/merged.json"
