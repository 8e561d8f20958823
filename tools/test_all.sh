#!/usr/bin/env bash
# Builds and tests everything, both ways, then runs the smoke recipe: what CI runs.
#
#   tools/test_all.sh
#
# 1. bazel test //...            (disk cache in ~/.cache/cifarbench/bazel-disk, outside the clone)
# 2. CMake configure + build     (build dir: $CIFARBENCH_BUILD_DIR, default build/; ccache in
#    + ctest                      ~/.cache/cifarbench/ccache)
# 3. build/bench/bench --recipe=hlb_record_smoke --out=build/smoke/report.json
#
# The real CIFAR-10 data is taken from $CIFAR10_DIR, else ../shared/cifar10 beside the clone;
# with CI=true, tests that need it fail rather than skip when it is missing.
# 4. tools/fuzz.sh: each libFuzzer target (tests/fuzz) for $CIFARBENCH_FUZZ_SECONDS (60) seconds
#
# Knobs: CIFARBENCH_JOBS (default: nproc), CIFARBENCH_SKIP_BAZEL=1, CIFARBENCH_SKIP_CMAKE=1,
# CIFARBENCH_SKIP_FUZZ=1,
# CIFARBENCH_BAZEL_FLAGS (extra flags for bazel test), CIFARBENCH_CMAKE_FLAGS (extra -D...).
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
g++ --version | head -n 1
cmake --version | head -n 1

# --------------------------------------------------------------------------------------------
if [[ "${CIFARBENCH_SKIP_BAZEL:-0}" != 1 ]]; then
  section "Bazel: bazel test //..."
  mkdir -p "$cache_root/bazel-disk"
  bazel_flags=(
    "--disk_cache=$cache_root/bazel-disk"
    "--jobs=$jobs"
    --keep_going
    --test_output=errors
    --test_env=CI
    --show_timestamps
  )
  [[ -n "${CIFAR10_DIR:-}" ]] && bazel_flags+=(--test_env=CIFAR10_DIR)
  # shellcheck disable=SC2206  # word splitting of the extra flags is intended
  [[ -n "${CIFARBENCH_BAZEL_FLAGS:-}" ]] && bazel_flags+=(${CIFARBENCH_BAZEL_FLAGS})
  [[ "$CI" == true ]] && bazel_flags+=(--curses=no --color=no --show_progress_rate_limit=30)
  bazel_rc=0
  bazel test "${bazel_flags[@]}" //... 2>&1 | tee "$logs/bazel.log" || bazel_rc=${PIPESTATUS[0]}
  bazel_passed=$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "$logs/bazel.log" || true)
  bazel_failed=$(grep -cE '^//[^ ]+ +(\(cached\) )?(FAILED|TIMEOUT|NO STATUS|FLAKY|INCOMPLETE)' \
    "$logs/bazel.log" || true)
  echo "Bazel: $bazel_passed passed, $bazel_failed failed"
  if [[ $bazel_rc -eq 0 ]]; then
    # The LibTorch-free parts again under AddressSanitizer + UndefinedBehaviorSanitizer
    # (.bazelrc's --config=asan): config, data reader, statistics, compare, merge, sweeps.
    section "Bazel --config=asan (LibTorch-free tests)"
    asan_tests=(//tests/core:config_test //tests/core:bad_config_corpus_test
                //tests/core:schedule_test //tests/core:cifar_test //tests/core:stats_test
                //tests/core:sweep_test //tests/core:console_test //tests/bench:compare_test
                //tests/bench:merge_test //tests/core:report_io_test)
    bazel test --config=asan "${bazel_flags[@]}" "${asan_tests[@]}" 2>&1 |
      tee "$logs/bazel-asan.log" || bazel_rc=${PIPESTATUS[0]}
    asan_passed=$(grep -cE '^//[^ ]+ +(\(cached\) )?PASSED' "$logs/bazel-asan.log" || true)
    echo "Bazel --config=asan: $asan_passed of ${#asan_tests[@]} passed"
    bazel_passed=$((bazel_passed + asan_passed))
  fi
  # Leave no Bazel server behind in CI (it would outlive the run).
  [[ "$CI" == true ]] && bazel shutdown || true
  if [[ $bazel_rc -ne 0 ]]; then
    echo "bazel test failed (exit $bazel_rc)" >&2
    exit "$bazel_rc"
  fi
  elapsed
fi

# --------------------------------------------------------------------------------------------
if [[ "${CIFARBENCH_SKIP_CMAKE:-0}" != 1 ]]; then
  section "CMake: configure ($build_dir)"
  export CCACHE_DIR="${CCACHE_DIR:-$cache_root/ccache}"
  # Paths under the clone are rewritten relative, so another clone's folder hits the cache.
  export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}"
  export CCACHE_NOHASHDIR=true
  mkdir -p "$CCACHE_DIR"
  cmake_flags=(-DCMAKE_BUILD_TYPE=Release)
  # shellcheck disable=SC2206
  [[ -n "${CIFARBENCH_CMAKE_FLAGS:-}" ]] && cmake_flags+=(${CIFARBENCH_CMAKE_FLAGS})
  cmake -S "$root" -B "$build_dir" "${cmake_flags[@]}"

  section "CMake: build"
  ccache --zero-stats >/dev/null 2>&1 || true
  cmake --build "$build_dir" --parallel "$jobs"
  ccache --show-stats 2>/dev/null | grep -Ei 'hit|miss' | head -n 4 || true
  elapsed

  section "CMake: ctest"
  ctest_rc=0
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

  # The CI benchmark report: every smoke recipe, 5 seeds, against the committed baseline
  # (tools/ci_bench.sh); bench-report/ holds the JSON, Markdown and SVG. Then a planted
  # regression (the non-bias weights' lr set to 0) must fail the same gate.
  section "CI benchmark report: tools/ci_bench.sh -> bench-report/"
  for t in bench compare merge; do
    [[ -x "$build_dir/bench/$t" ]] || { echo "no $build_dir/bench/$t from the CMake build" >&2; exit 1; }
  done
  ci_bench=(bash "$root/tools/ci_bench.sh" "--bench=$build_dir/bench/bench"
            "--compare=$build_dir/bench/compare" "--merge=$build_dir/bench/merge")
  [[ -n "${CIFAR10_DIR:-}" ]] && ci_bench+=("--data_dir=$CIFAR10_DIR")
  "${ci_bench[@]}" "--out=$root/bench-report"
  elapsed
  section "CI benchmark gate: a planted regression must fail it"
  planted_rc=0
  "${ci_bench[@]}" "--out=$build_dir/planted-regression" --recipes=hlb_record_smoke --seeds=3 \
    --set 'optimizer.param_groups[1].lr=0' >"$build_dir/planted-regression.log" 2>&1 || planted_rc=$?
  tail -n 12 "$build_dir/planted-regression.log"
  if [[ $planted_rc -ne 1 ]]; then
    echo "the planted regression did not fail the gate (exit $planted_rc, expected 1)" >&2
    exit 1
  fi
  echo "planted regression: the gate failed it, as it must (exit 1)"
  ctest_passed=$((ctest_passed + 1))
  elapsed
fi

# --------------------------------------------------------------------------------------------
# libFuzzer targets (clang, ASan + UBSan; LibTorch-free): each for a minute from its seed
# corpus. A finding fails CI; the input is in $build_dir-fuzz/artifacts/.
fuzz_passed=0
if [[ "${CIFARBENCH_SKIP_FUZZ:-0}" != 1 ]]; then
  section "Fuzz: tools/fuzz.sh (${CIFARBENCH_FUZZ_SECONDS:-60} s per target)"
  export CCACHE_DIR="${CCACHE_DIR:-$cache_root/ccache}" CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}"
  export CCACHE_NOHASHDIR=true
  fuzz_rc=0
  bash "$root/tools/fuzz.sh" "--seconds=${CIFARBENCH_FUZZ_SECONDS:-60}" "--jobs=$jobs" \
    "--build_dir=${build_dir}-fuzz" 2>&1 | tee "$logs/fuzz.log" || fuzz_rc=${PIPESTATUS[0]}
  if [[ $fuzz_rc -ne 0 ]]; then
    echo "fuzzing failed (exit $fuzz_rc)" >&2
    exit "$fuzz_rc"
  fi
  fuzz_passed=$(grep -cE '^[a-z]+: [0-9]+ executions .* exit 0$' "$logs/fuzz.log" || true)
  elapsed
fi

# --------------------------------------------------------------------------------------------
# CUDA-only sources (compiled only against a CUDA LibTorch) cannot be built here: check their
# syntax against Debian's LibTorch headers (which include ATen/cuda) and the CUDA headers, so
# they cannot rot between GPU runs.
section "CUDA sources: syntax check"
cuda_include="${CUDA_INCLUDE_DIR:-/usr/local/cuda/include}"
mapfile -t cuda_sources < <(find "$root/core" "$root/recipes" -path '*/cuda/*.cc' | sort)
if [[ ! -f "$cuda_include/cuda_runtime_api.h" ]]; then
  echo "no CUDA headers in $cuda_include (set CUDA_INCLUDE_DIR)" >&2
  [[ "$CI" == true ]] && exit 1
elif [[ ${#cuda_sources[@]} -gt 0 ]]; then
  # The generated protobuf headers that core/step.cc includes.
  pb_dir="$(mktemp -d)"
  protoc --proto_path="$root" --cpp_out="$pb_dir" "$root/proto/recipe.proto" "$root/proto/report.proto"
  for f in "${cuda_sources[@]}" "$root/core/timer.cc" "$root/core/step.cc"; do
    echo "+ ${f#"$root"/}"
    g++ -std=c++17 -fsyntax-only -D_GLIBCXX_USE_CXX11_ABI=1 -DCIFARBENCH_WITH_CUDA=1 \
      -DC10_CUDA_NO_CMAKE_CONFIGURE_FILE -I"$cuda_include" -I"$root" -I"$pb_dir" \
      -I/usr/include/torch/csrc/api/include "$f"
  done
  rm -rf -- "$pb_dir"
  echo "CUDA sources: ${#cuda_sources[@]} file(s) (+ core/timer.cc and core/step.cc in their CUDA form) OK"
fi

section "All done in ${SECONDS}s"
echo "Bazel: $bazel_passed passed, $bazel_failed failed; ctest: $ctest_passed passed, $ctest_failed failed; fuzz targets: $fuzz_passed without findings"
echo "Tests: $((bazel_passed + ctest_passed + fuzz_passed)) passed, $((bazel_failed + ctest_failed)) failed"
