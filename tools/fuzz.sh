#!/usr/bin/env bash
# Builds the libFuzzer targets (tests/fuzz: config loader with overrides, CIFAR reader, report
# reader; clang with ASan + UBSan, no LibTorch) and fuzzes each for a while.
#
#   tools/fuzz.sh [--seconds=60] [--build_dir=build-fuzz] [--jobs=N] [TARGET...]
#
# TARGETs: config cifar report (default: all three, one after the other). Each starts from its
# seed corpus (tests/fuzz/corpus/<target>, read only) plus what earlier runs found in
# <build_dir>/corpus/<target> (new inputs go there, not into the repository). A finding stops
# that target: the input is saved as <build_dir>/artifacts/<target>-crash-<sha1> (or leak-,
# timeout-, oom-) and the script exits 1 after the remaining targets ran; reproduce with
#   <build_dir>/tests/fuzz/<target>_fuzzer <artifact>
# then add the input to tests/fuzz/corpus/<target>/ once fixed (the corpus tests replay it).
# Needs clang and libclang-rt-14-dev (tools/setup.sh installs both). CI runs 30 s per target (tools/test_all.sh).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd -P)"
seconds=60
build_dir="$root/build-fuzz"
jobs="$(nproc)"
targets=()
for arg in "$@"; do
  case "$arg" in
    --seconds=*) seconds="${arg#*=}" ;;
    --build_dir=*) build_dir="${arg#*=}" ;;
    --jobs=*) jobs="${arg#*=}" ;;
    -h|--help) sed -n '2,15p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
    -*) echo "fuzz.sh: unknown flag $arg (see --help)" >&2; exit 2 ;;
    *) targets+=("$arg") ;;
  esac
done
[[ "$seconds" =~ ^[1-9][0-9]*$ ]] || { echo "fuzz.sh: --seconds=$seconds: expected a positive integer" >&2; exit 2; }
[[ ${#targets[@]} -eq 0 ]] && targets=(config cifar report)
for t in "${targets[@]}"; do
  [[ -d "$root/tests/fuzz/corpus/$t" ]] || {
    echo "fuzz.sh: unknown target '$t' (known: config cifar report)" >&2; exit 2; }
done
command -v clang++ >/dev/null || {
  echo "fuzz.sh: clang++ not found (Debian: apt-get install clang libclang-rt-14-dev)" >&2; exit 2; }

echo "== fuzz build: $build_dir (clang, libFuzzer + ASan + UBSan)"
mkdir -p "$build_dir"
cmake -S "$root" -B "$build_dir" -DCMAKE_CXX_COMPILER=clang++ -DCIFARBENCH_FUZZ=ON \
  -DCMAKE_BUILD_TYPE=RelWithDebInfo >"$build_dir/configure.log" 2>&1 ||
  { cat "$build_dir/configure.log" >&2; exit 1; }
cmake --build "$build_dir" --parallel "$jobs" -- --no-print-directory 2>&1 | grep -vE '^\[ *[0-9]+%\]' || true
for t in "${targets[@]}"; do
  [[ -x "$build_dir/tests/fuzz/${t}_fuzzer" ]] || { echo "fuzz.sh: ${t}_fuzzer was not built" >&2; exit 1; }
done

mkdir -p "$build_dir/artifacts" "$build_dir/logs"
failed=()
for t in "${targets[@]}"; do
  corpus="$build_dir/corpus/$t"
  mkdir -p "$corpus"
  log="$build_dir/logs/$t.log"
  flags=(-max_total_time="$seconds" -timeout=10 -rss_limit_mb=2048 -print_final_stats=1
         -artifact_prefix="$build_dir/artifacts/$t-")
  [[ -f "$root/tests/fuzz/$t.dict" ]] && flags+=(-dict="$root/tests/fuzz/$t.dict")
  echo "== $t: ${seconds}s (log: $log)"
  rc=0
  (cd "$build_dir" && "$build_dir/tests/fuzz/${t}_fuzzer" "${flags[@]}" "$corpus" \
     "$root/tests/fuzz/corpus/$t") >"$log" 2>&1 || rc=$?
  runs="$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -n 1)"
  rate="$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -n 1)"
  cov="$(grep -oE 'cov: [0-9]+' "$log" | tail -n 1 || true)"
  printf '%s: %s executions (%s/s), %s, corpus %s files, exit %d\n' "$t" "${runs:-?}" \
    "${rate:-?}" "${cov:-cov: ?}" "$(find "$corpus" -type f | wc -l)" "$rc"
  if [[ $rc -ne 0 ]]; then
    grep -E 'ERROR|FUZZ_CHECK|SUMMARY|Test unit written|runtime error|error' "$log" | sed -n 1,20p >&2 ||
      tail -n 20 "$log" >&2
    failed+=("$t")
  fi
done
if [[ ${#failed[@]} -gt 0 ]]; then
  echo "fuzz.sh: findings in: ${failed[*]} (inputs in $build_dir/artifacts/)" >&2
  exit 1
fi
echo "fuzz.sh: no findings in ${targets[*]} (${seconds}s each)"
