#!/usr/bin/env bash
# Builds and tests everything, with both LibTorch versions and both build systems: what CI runs.
#
#   tools/test_all.sh
#
# The CI matrix, one leg each (CIFARBENCH_LEGS=comma,separated picks some; default: all):
#   bazel-debian  Bazel + Debian's LibTorch 1.13 (CPU): bazel test //..., the LibTorch-free tests
#                 again under --config=asan, the CI benchmark report (tools/ci_bench.sh) with
#                 Bazel's binaries against bench/baselines/cpu_smoke.json and the planted
#                 regression that must fail its gate, and the real-Slurm sweep test
#                 (tests/tools/slurm_sweep_test.sh; needs slurm-wlm and munge: .ci/run installs them),
#                 and a throwaway plugin folder added and removed (tests/tools/new_plugin_test.sh)
#   cmake-pip     CMake + pip torch 2.11 with CUDA (tools/pip_torch.sh; installed when missing):
#                 every source in its CUDA form, all of ctest (the GPU runbook's CPU test
#                 included; the gpu-labelled tests skip without a GPU), the CI benchmark report
#                 against its own baseline bench/baselines/cpu_smoke_torch2.json seed for seed
#                 and against the 1.13 baseline as a whole (tools/within_gate.py: no smoke
#                 recipe's mean shown more than 2 pp from it)
#   bazel-pip     Bazel + the same pip torch (LIBTORCH_HOME, its own output base so that both
#                 Bazel builds stay cached): build //..., then the network and cost tests and
#                 the loaded-CUDA test
#   fuzz          tools/fuzz.sh: each libFuzzer target (tests/fuzz) for $CIFARBENCH_FUZZ_SECONDS (30)
# The pip legs set CIFARBENCH_EXPECT_CUDA=1: the loaded-CUDA test fails on a build without CUDA.
#
# Caches, outside the clone (~/.cache/cifarbench): bazel-disk/ (Bazel's disk cache), ccache/,
# bazel-pip-output/ (the pip leg's output base), wheels/ and venv-torch-<version>/ (pip torch).
# The real CIFAR-10 data is taken from $CIFAR10_DIR, else ../shared/cifar10 beside the clone;
# with CI=true, tests that need it fail rather than skip when it is missing.
#
# Knobs: CIFARBENCH_JOBS (default: nproc), CIFARBENCH_LEGS, CIFARBENCH_BAZEL_FLAGS (extra flags
# for bazel test), CIFARBENCH_CMAKE_FLAGS (extra -D...), CIFARBENCH_BUILD_DIR (the CMake build
# folder, default build/).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd -P)"
cd "$root"

section() {
  printf '\n==== %s ====\n' "$*"
}
elapsed() {
  echo "(${SECONDS}s so far)"
}

cache_root="${HOME:-/root}/.cache/cifarbench"
jobs="${CIFARBENCH_JOBS:-$(nproc)}"
build_dir="${CIFARBENCH_BUILD_DIR:-$root/build}"

if [[ -z "${CIFAR10_DIR:-}" && -d "$root/../shared/cifar10" ]]; then
  CIFAR10_DIR="$(cd "$root/../shared/cifar10" && pwd -P)"
fi
if [[ -n "${CIFAR10_DIR:-}" ]]; then
  export CIFAR10_DIR
  echo "CIFAR-10 data: $CIFAR10_DIR"
else
  echo "CIFAR-10 data: not found (tests that need it will skip, or fail with CI=true)"
fi
export CI="${CI:-false}"
logs="$(mktemp -d "${TMPDIR:-/tmp}/cifarbench-test-all.XXXXXX")"
trap 'rm -rf "$logs"' EXIT
bazel_passed=0 bazel_failed=0 ctest_passed=0 ctest_failed=0

section "Tools"
for t in bazel cmake ccache protoc g++; do
  printf '%-7s %s\n' "$t" "$(command -v "$t" || echo MISSING)"
done
g++ --version | sed -n 1p
cmake --version | sed -n 1p

legs="${CIFARBENCH_LEGS:-bazel-debian,cmake-pip,bazel-pip,fuzz}"
[[ "$legs" =~ ^(bazel-debian|cmake-pip|bazel-pip|fuzz)(,(bazel-debian|cmake-pip|bazel-pip|fuzz))*$ ]] || {
  echo "test_all: CIFARBENCH_LEGS must list bazel-debian, cmake-pip, bazel-pip, fuzz; got '$legs'" >&2
  exit 2
}
want_leg() { [[ ",$legs," == *",$1,"* ]]; }
leg_times=()
leg_start=$SECONDS
leg_done() { leg_times+=("$(printf '%-13s %5ss' "$1" $((SECONDS - leg_start)))"); leg_start=$SECONDS; }

bazel_common=(
  "--disk_cache=$cache_root/bazel-disk"
  "--jobs=$jobs"
  --keep_going
  --test_output=errors
  --test_env=CI
  --show_timestamps
)
[[ -n "${CIFAR10_DIR:-}" ]] && bazel_common+=(--test_env=CIFAR10_DIR)
[[ "$CI" == true ]] && bazel_common+=(--curses=no --color=no --show_progress_rate_limit=30)
mkdir -p "$cache_root/bazel-disk"
count_bazel() {  # LOG -> "passed failed"
  echo "$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "$1" || true)" \
       "$(grep -cE '^//[^ ]+ +(\(cached\) )?(FAILED|TIMEOUT|NO STATUS|FLAKY|INCOMPLETE)' "$1" || true)"
}

if want_leg cmake-pip || want_leg bazel-pip; then
  section "pip torch (tools/pip_torch.sh)"
  # shellcheck source=tools/pip_torch.sh
  . "$root/tools/pip_torch.sh"
  cifarbench_pip_torch_install
  pip_torch_home="$(cifarbench_pip_torch_home)"
  pip_torch_prefix="$(cifarbench_pip_torch_prefix)"
  echo "torch $CIFARBENCH_PIP_TORCH_VERSION (CUDA $CIFARBENCH_PIP_TORCH_CUDA): $pip_torch_home"
  elapsed
fi

# CI benchmark report (tools/ci_bench.sh) with the binaries in BIN_DIR/bench, then the planted
# regression (the non-bias weights' lr set to 0) that must fail the same gate. Extra arguments
# go to both.
ci_bench_and_planted() {
  local bin_dir="$1" out_dir="$2" planted_dir="$3" t
  shift 3
  for t in bench compare merge; do
    [[ -x "$bin_dir/bench/$t" ]] || { echo "no $bin_dir/bench/$t" >&2; return 1; }
  done
  local ci_bench=(bash "$root/tools/ci_bench.sh" "--bench=$bin_dir/bench/bench"
                  "--compare=$bin_dir/bench/compare" "--merge=$bin_dir/bench/merge" "$@")
  [[ -n "${CIFAR10_DIR:-}" ]] && ci_bench+=("--data_dir=$CIFAR10_DIR")
  "${ci_bench[@]}" "--out=$out_dir"
  section "CI benchmark gate: a planted regression must fail it"
  local planted_rc=0
  mkdir -p "$planted_dir"
  "${ci_bench[@]}" "--out=$planted_dir" --recipes=hlb_record_smoke --seeds=3 \
    --set 'hlb.optimizer.non_bias.lr=0' >"$planted_dir.log" 2>&1 || planted_rc=$?
  tail -n 12 "$planted_dir.log"
  if [[ $planted_rc -ne 1 ]]; then
    echo "the planted regression did not fail the gate (exit $planted_rc, expected 1)" >&2
    return 1
  fi
  echo "planted regression: the gate failed it, as it must (exit 1)"
}

# --------------------------------------------------------------------------------------------
if want_leg bazel-debian; then
  section "bazel-debian: bazel test //... (Debian's LibTorch 1.13)"
  bazel_flags=("${bazel_common[@]}")
  # shellcheck disable=SC2206  # word splitting of the extra flags is intended
  [[ -n "${CIFARBENCH_BAZEL_FLAGS:-}" ]] && bazel_flags+=(${CIFARBENCH_BAZEL_FLAGS})
  bazel_rc=0
  # LIBTORCH_HOME empty: Debian's libtorch-dev (tools/bazel/libtorch.bzl).
  LIBTORCH_HOME='' bazel test "${bazel_flags[@]}" //... 2>&1 | tee "$logs/bazel.log" ||
    bazel_rc=${PIPESTATUS[0]}
  read -r p f < <(count_bazel "$logs/bazel.log")
  bazel_passed=$((bazel_passed + p)) bazel_failed=$((bazel_failed + f))
  echo "Bazel: $p passed, $f failed"
  if [[ $bazel_rc -eq 0 ]]; then
    # The LibTorch-free parts again under AddressSanitizer + UndefinedBehaviorSanitizer
    # (.bazelrc's --config=asan): config, data reader, statistics, compare, merge, sweeps.
    section "bazel-debian: --config=asan (LibTorch-free tests)"
    asan_tests=(//tests/core:config_test //tests/core:bad_config_corpus_test
                //tests/core:schedule_test //tests/core:cifar_test //tests/core:stats_test
                //tests/core:sweep_test //tests/core:console_test //tests/bench:compare_test
                //tests/bench:merge_test //tests/core:report_io_test)
    LIBTORCH_HOME='' bazel test --config=asan "${bazel_flags[@]}" "${asan_tests[@]}" 2>&1 |
      tee "$logs/bazel-asan.log" || bazel_rc=${PIPESTATUS[0]}
    read -r p f < <(count_bazel "$logs/bazel-asan.log")
    echo "Bazel --config=asan: $p of ${#asan_tests[@]} passed"
    bazel_passed=$((bazel_passed + p)) bazel_failed=$((bazel_failed + f))
  fi
  if [[ $bazel_rc -ne 0 ]]; then
    [[ "$CI" == true ]] && bazel shutdown || true
    echo "bazel test failed (exit $bazel_rc)" >&2
    exit "$bazel_rc"
  fi
  elapsed
  # What `bazel test //...` built (the runner, compare and merge), in the default configuration
  # (the asan build above has its own output folder).
  bazel_bin="$(cd "$root" && LIBTORCH_HOME='' bazel info bazel-bin 2>/dev/null)"
  section "bazel-debian: CI benchmark report (tools/ci_bench.sh -> bench-report/)"
  ci_bench_and_planted "$bazel_bin" "$root/bench-report" "$logs/planted-regression-debian"
  bazel_passed=$((bazel_passed + 1))
  elapsed
  section "bazel-debian: real-Slurm sweep (tests/tools/slurm_sweep_test.sh)"
  slurm_rc=0
  bash "$root/tests/tools/slurm_sweep_test.sh" "$bazel_bin" 2>&1 | tee "$logs/slurm.log" ||
    slurm_rc=${PIPESTATUS[0]}
  if [[ $slurm_rc -ne 0 ]]; then
    echo "slurm_sweep_test failed (exit $slurm_rc)" >&2
    exit "$slurm_rc"
  fi
  grep -q 'SKIPPED' "$logs/slurm.log" || bazel_passed=$((bazel_passed + 1))
  section "bazel-debian: every --set/--grid path in the docs and scripts (tests/tools/set_paths_test.py)"
  python3 "$root/tests/tools/set_paths_test.py" "--bench=$bazel_bin/bench/bench" "--root=$root" |
    tail -n 3
  bazel_passed=$((bazel_passed + 1))
  section "bazel-debian: a throwaway plugin folder (tests/tools/new_plugin_test.sh)"
  LIBTORCH_HOME='' bash "$root/tests/tools/new_plugin_test.sh" bazel \
    "--disk_cache=$cache_root/bazel-disk" "--jobs=$jobs"
  bazel_passed=$((bazel_passed + 1))
  # Leave no Bazel server behind in CI (it would outlive the run).
  [[ "$CI" == true ]] && bazel shutdown || true
  leg_done bazel-debian
  elapsed
fi

# --------------------------------------------------------------------------------------------
if want_leg cmake-pip; then
  section "cmake-pip: configure ($build_dir) against pip torch $CIFARBENCH_PIP_TORCH_VERSION"
  export CCACHE_DIR="${CCACHE_DIR:-$cache_root/ccache}"
  # Paths under the clone are rewritten relative, so another clone's folder hits the cache.
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}"
  export CCACHE_NOHASHDIR=true
  mkdir -p "$CCACHE_DIR"
  # A build folder configured against another LibTorch (e.g. Debian's, before) starts afresh.
  if [[ -f "$build_dir/CMakeCache.txt" ]] &&
     ! grep -qF "Torch_DIR:PATH=$pip_torch_prefix/Torch" "$build_dir/CMakeCache.txt"; then
    echo "$build_dir was configured for another LibTorch: starting it afresh"
    rm -rf -- "$build_dir"
  fi
  cmake_flags=(-DCMAKE_BUILD_TYPE=Release "-DCMAKE_PREFIX_PATH=$pip_torch_prefix")
  [[ ! -f "$build_dir/CMakeCache.txt" ]] && command -v ninja >/dev/null && cmake_flags+=(-G Ninja)
  # shellcheck disable=SC2206
  [[ -n "${CIFARBENCH_CMAKE_FLAGS:-}" ]] && cmake_flags+=(${CIFARBENCH_CMAKE_FLAGS})
  cmake -S "$root" -B "$build_dir" "${cmake_flags[@]}" | tee "$logs/configure.log"
  grep -q 'CUDA: ON' "$logs/configure.log" || {
    echo "cmake-pip: the LibTorch at $pip_torch_prefix was configured without CUDA" >&2
    exit 1
  }

  section "cmake-pip: the two builds declare the same tests (tools/build_parity.sh)"
  bash "$root/tools/build_parity.sh" "$build_dir"
  ctest_passed=$((ctest_passed + 1))

  section "cmake-pip: build (every CUDA form included)"
  ccache --zero-stats >/dev/null 2>&1 || true
  cmake --build "$build_dir" --parallel "$jobs"
  ccache --show-stats 2>/dev/null | grep -Ei 'hit|miss' | sed -n 1,4p || true
  elapsed

  section "cmake-pip: both runners list exactly the recipes on disk (tools/build_parity.sh --runners)"
  runners=("$build_dir/bench/bench")
  if [[ -n "${bazel_bin:-}" && -x "$bazel_bin/bench/bench" ]]; then
    runners+=("$bazel_bin/bench/bench")
  elif want_leg bazel-debian; then
    echo "cmake-pip: no Bazel runner at ${bazel_bin:-?}/bench/bench (the bazel-debian leg built it)" >&2
    exit 1
  else
    echo "(the bazel-debian leg did not run: the CMake runner only)"
  fi
  bash "$root/tools/build_parity.sh" --runners "${runners[@]}"

  section "cmake-pip: ctest"
  ctest_rc=0
  # CIFARBENCH_TORCH_PREFIX: the GPU runbook's CPU test builds against the same pip torch.
  # CIFARBENCH_TEST_PYTHON: peers_test under the venv's python (torch, torchvision): its data
  # cache and Normalize tests run instead of skipping.
  CIFARBENCH_EXPECT_CUDA=1 CIFARBENCH_TORCH_PREFIX="$pip_torch_prefix" \
    CIFARBENCH_TEST_PYTHON="$CIFARBENCH_PIP_VENV/bin/python" \
    ctest --test-dir "$build_dir" --output-on-failure --parallel "$jobs" 2>&1 |
    tee "$logs/ctest.log" || ctest_rc=${PIPESTATUS[0]}
  summary="$(grep -E 'tests passed, [0-9]+ tests? failed out of [0-9]+' "$logs/ctest.log" | tail -n 1 || true)"
  if [[ "$summary" =~ ([0-9]+)\ tests?\ failed\ out\ of\ ([0-9]+) ]]; then
    ctest_failed=${BASH_REMATCH[1]}
    ctest_passed=$((BASH_REMATCH[2] - BASH_REMATCH[1]))
  fi
  if [[ $ctest_rc -ne 0 ]]; then
    echo "ctest failed (exit $ctest_rc)" >&2
    exit "$ctest_rc"
  fi
  elapsed

  section "cmake-pip: a throwaway plugin folder (tests/tools/new_plugin_test.sh)"
  bash "$root/tests/tools/new_plugin_test.sh" cmake "$build_dir"
  ctest_passed=$((ctest_passed + 1))
  elapsed

  section "cmake-pip: CI benchmark report (tools/ci_bench.sh -> bench-report-torch2/)"
  # The planted regression ran against the same gate in the bazel-debian leg; here only the
  # report and its two comparisons.
  bash "$root/tools/ci_bench.sh" "--bench=$build_dir/bench/bench" \
    "--compare=$build_dir/bench/compare" "--merge=$build_dir/bench/merge" \
    ${CIFAR10_DIR:+"--data_dir=$CIFAR10_DIR"} "--out=$root/bench-report-torch2" \
    "--baseline=$root/bench/baselines/cpu_smoke_torch2.json" \
    "--within_baseline=$root/bench/baselines/cpu_smoke.json"
  ctest_passed=$((ctest_passed + 1))
  leg_done cmake-pip
  elapsed
fi

# --------------------------------------------------------------------------------------------
if want_leg bazel-pip; then
  section "bazel-pip: bazel build //... (LIBTORCH_HOME: pip torch $CIFARBENCH_PIP_TORCH_VERSION)"
  # Its own output base: switching LIBTORCH_HOME in one would refetch @libtorch and rebuild.
  pip_bazel=(bazel "--output_base=$cache_root/bazel-pip-output")
  # //... spelled out as the source tree's top-level packages: under another output base the
  # bazel-<workspace> link that the Debian leg left in the clone is not recognised as Bazel's
  # own, and //... walked into it (external/bazel_tools' Windows and Android packages).
  pip_patterns=()
  for d in "$root"/*/; do
    d="${d%/}"
    n="$(basename "$d")"
    [[ -L "$d" || "$n" == bazel-* || "$n" == build* || "$n" == bench-report* ]] && continue
    [[ -n "$(find "$d" \( -name BUILD -o -name BUILD.bazel \) -print -quit)" ]] && pip_patterns+=("//$n/...")
  done
  pip_tests=(//tests/recipes/hlb:hlb_net_test //tests/recipes/page:page_net_test
             //tests/recipes/airbench:airbench_test //tests/tools:cuda_loaded_test)
  bazel_rc=0
  {
    # --symlink_prefix=/: the clone's bazel-bin etc. keep pointing at the Debian build.
    LIBTORCH_HOME="$pip_torch_home" "${pip_bazel[@]}" build "${bazel_common[@]}" \
      --symlink_prefix=/ -- "${pip_patterns[@]}" &&
      LIBTORCH_HOME="$pip_torch_home" "${pip_bazel[@]}" test "${bazel_common[@]}" --symlink_prefix=/ \
        --test_env=CIFARBENCH_EXPECT_CUDA=1 "${pip_tests[@]}"
  } 2>&1 | tee "$logs/bazel-pip.log" || bazel_rc=${PIPESTATUS[0]}
  [[ "$CI" == true ]] && "${pip_bazel[@]}" shutdown || true
  read -r p f < <(count_bazel "$logs/bazel-pip.log")
  bazel_passed=$((bazel_passed + p)) bazel_failed=$((bazel_failed + f))
  echo "Bazel (pip torch): $p of ${#pip_tests[@]} passed"
  if [[ $bazel_rc -ne 0 || $p -ne ${#pip_tests[@]} ]]; then
    echo "bazel-pip failed (exit $bazel_rc)" >&2
    exit 1
  fi
  leg_done bazel-pip
  elapsed
fi

# --------------------------------------------------------------------------------------------
# libFuzzer targets (clang, ASan + UBSan; LibTorch-free): each for $CIFARBENCH_FUZZ_SECONDS
# (default 30 s; tools/fuzz.sh alone defaults to 60) from its seed corpus. A finding fails CI;
# the input is in $build_dir-fuzz/artifacts/.
fuzz_passed=0
if want_leg fuzz; then
  section "fuzz: tools/fuzz.sh (${CIFARBENCH_FUZZ_SECONDS:-30} s per target)"
  export CCACHE_DIR="${CCACHE_DIR:-$cache_root/ccache}" CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}"
  export CCACHE_NOHASHDIR=true
  fuzz_rc=0
  bash "$root/tools/fuzz.sh" "--seconds=${CIFARBENCH_FUZZ_SECONDS:-30}" "--jobs=$jobs" \
    "--build_dir=${build_dir}-fuzz" 2>&1 | tee "$logs/fuzz.log" || fuzz_rc=${PIPESTATUS[0]}
  if [[ $fuzz_rc -ne 0 ]]; then
    echo "fuzzing failed (exit $fuzz_rc)" >&2
    exit "$fuzz_rc"
  fi
  fuzz_passed=$(grep -cE '^[a-z]+: [0-9]+ executions .* exit 0$' "$logs/fuzz.log" || true)
  leg_done fuzz
  elapsed
fi

section "All done in ${SECONDS}s"
printf '  %s\n' "${leg_times[@]}"
echo "Bazel: $bazel_passed passed, $bazel_failed failed; ctest: $ctest_passed passed, $ctest_failed failed; fuzz targets: $fuzz_passed without findings"
echo "Tests: $((bazel_passed + ctest_passed + fuzz_passed)) passed, $((bazel_failed + ctest_failed)) failed"
