#!/usr/bin/env bash
# End-to-end test of the GPU runbook on a CPU-only machine: tools/gpu/bundle.sh downloads the
# Debian packages and compresses CIFAR-10 into a temporary bundle, then tools/gpu/run.sh unpacks
# it, builds cifarbench with CMake against it, runs some of ctest and the smoke recipe on the
# CPU, and packs the results. Both ways of getting binaries are tested: the prebuilt ones
# (bundle.sh --prebuilt=BUILD_ROOT, the CMake build this test belongs to, made against pip
# torch with CUDA: run.sh must use them without configuring or building), and the fallback (a
# bundle whose binaries claim another torch: run.sh must say why it cannot use them and build).
#
#   tests/tools/gpu_runbook_test.sh [WORK_PARENT [BUILD_ROOT]]
#
# The LibTorch is $CIFARBENCH_TORCH_PREFIX (tools/test_all.sh sets it to pip torch's CMake
# prefix), else Debian's. BUILD_ROOT (ctest passes its build folder) must be a build against
# that same LibTorch with CUDA for the prebuilt cases; without it they skip (and fail when
# CIFARBENCH_EXPECT_CUDA=1).
#
# WORK_PARENT (default $TEST_TMPDIR under Bazel, else $TMPDIR or /tmp) gets a temporary folder,
# removed on success. ctest passes its build folder: inside the source tree, so ccache's
# base_dir (the source root) makes the build's paths relative and its cache entries shared
# between runs and clones; a full build on 2 cores then takes minutes instead of half an hour.
#
# Needs Debian's archive (apt-get download, after an `apt-get update`) and the real data
# ($CIFAR10_DIR, else ../shared/cifar10 beside the source tree). Without either it skips, and
# fails when CI=true. Ends with "gpu_runbook_test: N passed, M failed".
# shellcheck disable=SC2317  # the case_* functions are called through run_case
set -uo pipefail

# The source tree: this file's, also when Bazel runs it from the runfiles (links to sources).
self="$(readlink -f -- "${BASH_SOURCE[0]}")"
root="$(cd "$(dirname "$self")/../.." && pwd -P)"
[[ -x "$root/tools/gpu/run.sh" && -f "$root/CMakeLists.txt" ]] || {
  echo "gpu_runbook_test: no source tree with tools/gpu/run.sh at $root" >&2
  exit 1
}
data="${CIFAR10_DIR:-$root/../shared/cifar10}"
ci="${CI:-false}"

passed=0 failed=0 skipped=0
finish() {
  echo "gpu_runbook_test: $passed passed, $failed failed$([[ $skipped -eq 0 ]] || echo ", $skipped skipped")"
  exit $((failed > 0))
}
skip_or_fail() {
  if [[ "$ci" == true ]]; then
    echo "FAIL: $* (CI=true: no skipping)" >&2
    failed=$((failed + 1))
  else
    echo "SKIP: $*"
    skipped=$((skipped + 1))
  fi
  finish
}
current=""
fail() {
  echo "FAIL [$current]: $*" >&2
  failed=$((failed + 1))
}
# Runs a case function; it returns non-zero (after calling fail) on failure.
run_case() {
  current="$1"
  printf '\n--- %s (%ss so far)\n' "$current" "$SECONDS"
  if "$1"; then
    echo "PASS [$current]"
    passed=$((passed + 1))
  fi
}

[[ -f "$data/data_batch_1.bin" ]] || skip_or_fail "no CIFAR-10 data in $data (set CIFAR10_DIR)"
if [[ -n "${TEST_TMPDIR:-}" ]]; then
  # Bazel: a private folder already; a fixed name keeps ccache's paths the same between runs.
  work="$TEST_TMPDIR/gpu_runbook_test"
  rm -rf -- "$work" && mkdir -p "$work"
else
  parent="${1:-${TMPDIR:-/tmp}}"
  mkdir -p "$parent"
  work="$(mktemp -d "$(cd "$parent" && pwd -P)/gpu_runbook_test.XXXXXX")"
fi
cleanup() {
  if [[ $failed -eq 0 ]]; then rm -rf -- "$work"; else echo "kept $work for inspection" >&2; fi
}
trap cleanup EXIT
echo "work: $work"
# The warm cache of tools/test_all.sh, also under Bazel (which may set HOME to a temporary folder).
home="${HOME:-}"
if [[ -z "$home" || ( -n "${TEST_TMPDIR:-}" && "$home" == "$TEST_TMPDIR"* ) ]]; then
  home="$(getent passwd "$(id -u)" | cut -d: -f6)"
fi
export CCACHE_DIR="${CCACHE_DIR:-$home/.cache/cifarbench/ccache}"
export CCACHE_BASEDIR="${CCACHE_BASEDIR:-$root}"
export CCACHE_NOHASHDIR=true

bundle="$work/bundle" out="$work/out" build="$work/build"
torch="${CIFARBENCH_TORCH_PREFIX:-/usr/lib/x86_64-linux-gnu/cmake/Torch}"
build_root="${2:-}"
# The prebuilt binaries: the build this test belongs to, when it has CUDA.
prebuilt=false
if [[ -n "$build_root" ]] && grep -q 'CIFARBENCH_WITH_CUDA=1' "$build_root/build.ninja" \
     "$build_root"/core/CMakeFiles/*/flags.make 2>/dev/null; then
  prebuilt=true
elif [[ "${CIFARBENCH_EXPECT_CUDA:-}" == 1 ]]; then
  echo "FAIL: CIFARBENCH_EXPECT_CUDA=1, but the build root '${build_root}' has no CUDA: the prebuilt cases cannot run" >&2
  exit 1
fi
echo "torch: $torch; prebuilt binaries from: $([[ $prebuilt == true ]] && echo "$build_root" || echo 'none (the prebuilt cases skip)')"
# Tests that use everything the bundle brings: GTest, abseil, protobuf (+ protoc), the data.
ctest_regex='^(toolchain_test|config_test|cifar_test)$'
# What run.sh builds when it builds: the runner and those tests (run.sh --targets), not the whole
# tree a second time.
build_targets=bench,toolchain_test,config_test,cifar_test
debs=(libabsl-dev libabsl20220623 libprotobuf-dev libprotobuf32 protobuf-compiler libprotoc32
      libgtest-dev libgmock-dev libboost1.74-dev libssl-dev libssl3)
# A staged first call's .debs (bundle.sh's CALL1_PACKAGES): what the prebuilt binaries load,
# and Boost's headers (the largest build package, for even call sizes).
runtime_debs=(libabsl20220623 libprotobuf32 libssl3 libboost1.74-dev)
# What prebuilt.sh packs (its FILES): the runner, compare, merge and the tests a GPU run needs.
shipped=(bench/bench bench/compare bench/merge tests/gpu/gpu_test tests/recipes/hlb/hlb_net_test
         tests/recipes/page/page_net_test tests/recipes/airbench/airbench_test
         tests/tools/cuda_loaded_test)
bins=(data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin data_batch_5.bin
      test_batch.bin)

# ---- bundle.sh ----------------------------------------------------------------------------
bundle_rc=0
bundle_args=("$bundle" "--data_dir=$data" --xz_level=0)
[[ "$prebuilt" == false ]] || bundle_args+=("--prebuilt=$build_root")
"$root/tools/gpu/bundle.sh" "${bundle_args[@]}" >"$work/bundle.log" 2>&1 || bundle_rc=$?
cat "$work/bundle.log"
if [[ $bundle_rc -eq 3 ]]; then
  skip_or_fail "bundle.sh could not reach Debian's archive (apt-get download; no network?)"
fi

case_bundle() {
  [[ $bundle_rc -eq 0 ]] || { fail "bundle.sh exited $bundle_rc"; return 1; }
  local p f
  for p in "${debs[@]}"; do
    compgen -G "$bundle/debs/${p}_*.deb" >/dev/null || { fail "no debs/${p}_*.deb"; return 1; }
  done
  [[ $(find "$bundle/debs" -name '*.deb' | wc -l) -eq ${#debs[@]} ]] ||
    { fail "debs/ holds other packages: $(ls "$bundle/debs")"; return 1; }
  (cd "$bundle/debs" && sha256sum --quiet -c SHA256SUMS) || { fail "debs/SHA256SUMS"; return 1; }
  for f in "${bins[@]}"; do
    [[ -f "$bundle/data/$f.xz" ]] || { fail "no data/$f.xz"; return 1; }
    [[ "$(xz -dc "$bundle/data/$f.xz" | sha256sum | cut -d' ' -f1)" == \
       "$(sha256sum "$data/$f" | cut -d' ' -f1)" ]] || { fail "data/$f.xz differs from $data/$f"; return 1; }
    grep -q "^$(sha256sum "$data/$f" | cut -d' ' -f1)  $f\$" "$bundle/data/SHA256SUMS" ||
      { fail "data/SHA256SUMS has no right line for $f"; return 1; }
  done
  # The files and sizes come last.
  tail -n 1 "$work/bundle.log" | grep -cE '^ *[0-9.]+[KMG]?B  total$' >/dev/null ||
    { fail "bundle.sh's last line is not the total: $(tail -n 1 "$work/bundle.log")"; return 1; }
  grep -q 'data/test_batch.bin.xz$' "$work/bundle.log" || { fail "no file list"; return 1; }
}

case_bundle_rerun() {
  local log
  log="$("$root/tools/gpu/bundle.sh" "${bundle_args[@]}" 2>&1)" ||
    { echo "$log"; fail "rerun exited non-zero"; return 1; }
  [[ $(grep -c '^kept ' <<<"$log") -eq $((${#debs[@]} + ${#bins[@]})) ]] ||
    { echo "$log"; fail "a rerun must keep all ${#debs[@]} packages and ${#bins[@]} files"; return 1; }
  ! grep -qE '^(downloaded|compressed) ' <<<"$log" || { fail "a rerun redid work"; return 1; }
}

case_usage_errors() {
  local args rc
  for args in "--out=$work/x" "--bundle=$bundle" "--bundle=$bundle --out=$work/x --device=gpu" \
              "--bundle=$bundle --out=$work/x --recipes=hlb_record:0" \
              "--bundle=$work/nothing --out=$work/x" "--bundle=$bundle --out=$work/x --frobnicate"; do
    rc=0
    # shellcheck disable=SC2086  # the arguments are split on purpose
    "$root/tools/gpu/run.sh" $args >/dev/null 2>"$work/usage.err" || rc=$?
    [[ $rc -eq 2 && -s "$work/usage.err" ]] ||
      { fail "run.sh $args: exit $rc (want 2 and a message)"; return 1; }
  done
  rc=0
  "$root/tools/gpu/bundle.sh" "$work/x" --xz_level=10 >/dev/null 2>&1 || rc=$?
  [[ $rc -eq 2 ]] || { fail "bundle.sh --xz_level=10: exit $rc (want 2)"; return 1; }
}

# A damaged bundle: the failing step is named, nothing is built, and the logs are still packed.
case_damaged_bundle() {
  local bad="$work/bad-bundle" rc=0
  mkdir -p "$bad/data"
  cp -r "$bundle/debs" "$bad/debs"
  printf 'not CIFAR-10' | xz -0 >"$bad/data/data_batch_1.bin.xz"
  echo "$(printf '0%.0s' {1..64})  data_batch_1.bin" >"$bad/data/SHA256SUMS"
  "$root/tools/gpu/run.sh" "--bundle=$bad" "--out=$work/bad-out" "--build_dir=$work/bad-build" \
    "--torch_prefix=$torch" --device=cpu >"$work/bad.log" 2>&1 || rc=$?
  [[ $rc -ne 0 ]] || { fail "run.sh accepted data that fails SHA256SUMS"; return 1; }
  grep -q "error in step 'CIFAR-10" "$work/bad.log" ||
    { tail -n 20 "$work/bad.log"; fail "the error does not name the CIFAR-10 step"; return 1; }
  [[ ! -e "$work/bad-build/CMakeCache.txt" ]] || { fail "it configured anyway"; return 1; }
  compgen -G "$work/bad-out/cifarbench-results-*-cpu.tar.gz" >/dev/null ||
    { fail "no tarball after the failure"; return 1; }
  tar -xzOf "$work"/bad-out/cifarbench-results-*.tar.gz --wildcards '*/run.txt' |
    grep -c "status: *FAILED in step 'CIFAR-10" >/dev/null || { fail "run.txt does not say FAILED"; return 1; }
}

# ---- prebuilt binaries ----------------------------------------------------------------------
# What one device call carries besides the data (staged apart): the packages and the binaries.
case_prebuilt_payload() {
  local k
  for k in torch_version cuda cxx11_abi glibc glibcxx cxxabi built_on revision; do
    grep -qE "^$k=.+" "$bundle/prebuilt/MANIFEST" || { fail "MANIFEST has no $k"; return 1; }
  done
  grep -q "^cuda=13\.0$" "$bundle/prebuilt/MANIFEST" || { fail "not a CUDA 13.0 torch: $(grep ^cuda= "$bundle/prebuilt/MANIFEST")"; return 1; }
  local listed
  listed="$(sed -nE 's/^[0-9a-f]{64}  //p' "$bundle/prebuilt/MANIFEST" | sort | tr '\n' ' ')"
  [[ "$listed" == "$(printf '%s\n' "${shipped[@]}" | sort | tr '\n' ' ')" ]] ||
    { fail "MANIFEST lists '$listed', want '${shipped[*]}' (sorted)"; return 1; }
  # The ABI recorded is the torch's own: libc10.so's std::__cxx11 symbols, counted here without a
  # pipe that can die of SIGPIPE (prebuilt.sh once recorded 0 for pip torch 2.11, which has 1).
  local lib n abi
  lib="$(cd "$torch/../../lib" && pwd -P)"
  n="$(nm -D --defined-only "$lib/libc10.so" | grep -c __cxx11 || true)"
  abi=$([[ $n -gt 0 ]] && echo 1 || echo 0)
  grep -q "^cxx11_abi=$abi$" "$bundle/prebuilt/MANIFEST" ||
    { fail "MANIFEST says $(grep ^cxx11_abi= "$bundle/prebuilt/MANIFEST"), libc10.so has $n std::__cxx11 symbols"; return 1; }
  # The staged device calls: each with bundle.txt, both SHA256SUMS, the binaries and two
  # batches; call 1 the runtime packages, call 2 the rest, call 3 none; every batch once; each
  # call's payload (with the source tree) printed, within 64 MiB (bundle.sh fails otherwise).
  local n got want all_data="" line
  for n in 1 2 3; do
    for f in bundle.txt debs/SHA256SUMS data/SHA256SUMS data/FORMAT prebuilt/MANIFEST \
             prebuilt/cifarbench-prebuilt.tar.xz; do
      [[ -f "$bundle/calls/$n/$f" ]] || { fail "calls/$n has no $f"; return 1; }
    done
    got="$(cd "$bundle/calls/$n/data" && ls -- *.xz | tr '\n' ' ')"
    [[ $(wc -w <<<"$got") -eq 2 ]] || { fail "calls/$n carries $got (want two batches)"; return 1; }
    all_data+="$got"
    got="$(cd "$bundle/calls/$n/debs" && find . -name '*.deb' -printf '%f\n' | sed 's/_.*//' | sort | tr '\n' ' ')"
    case $n in
      1) want="$(printf '%s\n' "${runtime_debs[@]}" | sort | tr '\n' ' ')" ;;
      2) want="$(printf '%s\n' "${debs[@]}" | grep -vxF -f <(printf '%s\n' "${runtime_debs[@]}") | sort | tr '\n' ' ')" ;;
      3) want="" ;;
    esac
    [[ "$got" == "$want" ]] || { fail "calls/$n carries the packages '$got', want '$want'"; return 1; }
    line="$(grep -E "^calls/$n  [0-9.]+[KMG]?i?B with the source tree" "$work/bundle.log")" ||
      { fail "bundle.sh printed no payload for calls/$n"; return 1; }
    echo "$line"
  done
  # calls/later (any call after the third): the binaries and the SHA256SUMS, nothing else.
  [[ -f "$bundle/calls/later/prebuilt/MANIFEST" && -f "$bundle/calls/later/data/SHA256SUMS" ]] ||
    { fail "calls/later lacks the binaries or data/SHA256SUMS"; return 1; }
  [[ -z "$(find "$bundle/calls/later" -name '*.deb' -o -name '*.bin.xz')" ]] ||
    { fail "calls/later carries packages or batches"; return 1; }
  [[ "$(tr ' ' '\n' <<<"$all_data" | sed '/^$/d' | sort | tr '\n' ' ')" == \
     "$(printf '%s.xz\n' "${bins[@]}" | sort | tr '\n' ' ')" ]] ||
    { fail "the calls carry $all_data, want every batch once"; return 1; }
}

# The documented staging: three calls into one build folder, each carrying one of calls/1-3
# (a device call's bundle replaces the last one; the build folder stays). Call 1 unpacks the
# runtime packages and two batches and runs the shipped tests on the prebuilt binaries, call 2
# unpacks the build packages and two more batches, call 3 the last two, checks all six and
# benchmarks.
case_prebuilt_run() {
  local rc=0 pout="$work/out-prebuilt" pbuild="$work/build-prebuilt" n
  local steps=(build,unpack,ctest unpack build,data,bench)
  rm -rf -- "$pbuild" "$pout"
  for n in 1 2 3; do
    rc=0
    "$root/tools/gpu/run.sh" "--bundle=$bundle/calls/$n" "--out=$pout" "--build_dir=$pbuild" \
      "--torch_prefix=$torch" --device=cpu --recipes=hlb_record_smoke:1 "--steps=${steps[$((n - 1))]}" \
      '--ctest_regex=^(cuda_loaded_test|hlb_net_test|gpu_test)$' >"$work/prebuilt-$n.log" 2>&1 || rc=$?
    [[ $rc -eq 0 ]] || { tail -n 30 "$work/prebuilt-$n.log"; fail "call $n (calls/$n) exited $rc"; return 1; }
    grep -q '^binaries: prebuilt (' "$work/prebuilt-$n.log" || { fail "call $n did not use the prebuilt binaries"; return 1; }
  done
  [[ ! -e "$pbuild/CMakeCache.txt" ]] || { fail "it configured a build anyway"; return 1; }
  grep -q '^libprotobuf32_.*: already unpacked$' "$work/prebuilt-2.log" &&
    grep -q '^unpack libabsl-dev_' "$work/prebuilt-2.log" && grep -q '^libabsl-dev_.*: not in this call' "$work/prebuilt-1.log" ||
    { fail "the packages were not unpacked call by call (1: runtime, 2: the rest)"; return 1; }
  grep -q '^data_batch_1.bin: OK (already unpacked)$' "$work/prebuilt-3.log" &&
    grep -q '^test_batch.bin: OK$' "$work/prebuilt-3.log" ||
    { fail "call 3 did not find calls 1-2's batches and unpack its own"; return 1; }
  grep -q '^prebuilt tests: 3 passed, 0 failed$' "$work/prebuilt-1.log" ||
    { fail "the shipped tests did not pass in call 1"; return 1; }
  grep -q '^binaries: prebuilt' "$pout/run.txt" || { fail "run.txt does not say prebuilt"; return 1; }
  python3 - "$pout/reports/hlb_record_smoke.json" <<'PY' || { fail "the prebuilt runner's report is not one OK run with a FLOP count"; return 1; }
import json, sys
r = json.load(open(sys.argv[1]))
assert [x["status"] for x in r["runs"]] == ["RUN_STATUS_OK"], r["runs"]
macs = int(r["runs"][0].get("cost", {}).get("forward_macs_per_image", 0))
assert macs > 0, "no FLOP count (cost.forward_macs_per_image) in the report"
print("prebuilt report: OK, %d forward MACs per image" % macs)
PY
  echo "prebuilt path: $(grep -E '^  *(prebuilt binaries|ctest|benchmarks) ' "$pout/run.txt" | tr -s ' ' | tr '\n' ';')"
}

# A shipped test that fails stops the run in step ctest (as ctest's failure does when built
# here), and run.txt says so: the binaries of calls/3 with cuda_loaded_test made to fail
# (/bin/false in its place, its sha256 in MANIFEST).
case_prebuilt_test_fails() {
  local bad="$work/bundle-failing-test" x="$work/failing-test-x" rc=0 sum
  rm -rf -- "$bad" "$x" && mkdir -p "$bad/prebuilt" "$x"
  ln -s "$bundle/calls/3/debs" "$bad/debs"
  ln -s "$bundle/calls/3/data" "$bad/data"
  xz -dc "$bundle/prebuilt/cifarbench-prebuilt.tar.xz" | tar -xf - -C "$x"
  cp /bin/false "$x/tests/tools/cuda_loaded_test"  # a dynamic executable that fails
  (cd "$x" && tar -cf - -- *) | xz -0 >"$bad/prebuilt/cifarbench-prebuilt.tar.xz"
  sum="$(sha256sum "$x/tests/tools/cuda_loaded_test" | cut -d' ' -f1)"
  sed -E "s#^[0-9a-f]{64}  tests/tools/cuda_loaded_test\$#$sum  tests/tools/cuda_loaded_test#" \
    "$bundle/prebuilt/MANIFEST" >"$bad/prebuilt/MANIFEST"
  "$root/tools/gpu/run.sh" "--bundle=$bad" "--out=$work/out-failing-test" "--build_dir=$work/build-prebuilt" \
    "--torch_prefix=$torch" --device=cpu --steps=build,ctest '--ctest_regex=^cuda_loaded_test$' \
    >"$work/failing-test.log" 2>&1 || rc=$?
  grep -q '^binaries: prebuilt (' "$work/failing-test.log" ||
    { tail -n 20 "$work/failing-test.log"; fail "the doctored binaries were not used"; return 1; }
  [[ $rc -ne 0 ]] || { fail "run.sh exited 0 with a failing shipped test"; return 1; }
  grep -q "error in step 'ctest': a shipped test failed: Test cuda_loaded_test: \*\*\*Failed" "$work/failing-test.log" ||
    { tail -n 10 "$work/failing-test.log"; fail "the error does not name the step and the test"; return 1; }
  grep -q "^status: *FAILED in step 'ctest'" "$work/out-failing-test/run.txt" ||
    { fail "run.txt does not say FAILED in step ctest"; return 1; }
}

# Binaries that do not fit, in a first call that carries only the runtime packages: run.sh says
# why it cannot use them and that a build needs the rest of the packages, before configuring.
case_fallback_needs_build_packages() {
  local rc=0
  "$root/tools/gpu/run.sh" "--bundle=$mismatched_call1" "--out=$work/out-call1-fallback" \
    "--build_dir=$work/build-call1-fallback" "--torch_prefix=$torch" --device=cpu \
    --steps=build,ctest >"$work/call1-fallback.log" 2>&1 || rc=$?
  [[ $rc -ne 0 ]] || { fail "run.sh built without the build packages"; return 1; }
  grep -q "error in step 'configure': building here needs every package of the bundle; not unpacked yet: .*libabsl-dev_" \
    "$work/call1-fallback.log" || { tail -n 10 "$work/call1-fallback.log"; fail "the error does not say which packages are missing"; return 1; }
  grep -q "^  built against torch 0.0.0+other" "$work/call1-fallback.log" ||
    { fail "it did not say why the binaries do not fit"; return 1; }
  [[ ! -e "$work/build-call1-fallback/CMakeCache.txt" ]] || { fail "it configured anyway"; return 1; }
}

# The fallback: the same binaries, but their MANIFEST claims another torch.
mismatched="$work/bundle-mismatched"
if [[ "$prebuilt" == true ]]; then
  mkdir -p "$mismatched/prebuilt"
  ln -s "$bundle/debs" "$mismatched/debs"
  ln -s "$bundle/data" "$mismatched/data"
  cp "$bundle/prebuilt/cifarbench-prebuilt.tar.xz" "$mismatched/prebuilt/"
  sed 's/^torch_version=.*/torch_version=0.0.0+other/' "$bundle/prebuilt/MANIFEST" >"$mismatched/prebuilt/MANIFEST"
  # The same as a staged first call (the runtime packages only).
  mismatched_call1="$work/bundle-mismatched-call1"
  mkdir -p "$mismatched_call1"
  ln -s "$bundle/calls/1/debs" "$mismatched_call1/debs"
  ln -s "$bundle/calls/1/data" "$mismatched_call1/data"
  ln -s "$mismatched/prebuilt" "$mismatched_call1/prebuilt"
fi

case_fallback_said() {
  grep -q "^  built against torch 0.0.0+other, this machine has " "$work/run.log" ||
    { fail "run.sh did not say why it could not use the binaries"; return 1; }
  grep -q '^binaries: built here (prebuilt not usable: built against torch 0.0.0+other' "$out/run.txt" ||
    { fail "run.txt does not say it built here and why"; return 1; }
}

# ---- run.sh -------------------------------------------------------------------------------
run_rc=0
run_bundle="$bundle"
[[ "$prebuilt" == false ]] || run_bundle="$mismatched"
run_sh() {
  "$root/tools/gpu/run.sh" "--bundle=$run_bundle" "--out=$out" "--build_dir=$build" \
    "--torch_prefix=$torch" --device=cpu --recipes=hlb_record_smoke:1 "--ctest_regex=$ctest_regex" \
    "--targets=$build_targets" \
    --profile >"$work/run.log" 2>&1 || run_rc=$?
  echo "(run.sh's output, last 40 lines)"
  tail -n 40 "$work/run.log"
}

case_run() {
  [[ $run_rc -eq 0 ]] || { fail "run.sh exited $run_rc"; return 1; }
}

case_tarball() {
  local tarballs=("$out"/cifarbench-results-*.tar.gz) listing f
  [[ ${#tarballs[@]} -eq 1 && -f "${tarballs[0]}" ]] || { fail "want one tarball, got: ${tarballs[*]}"; return 1; }
  listing="$(tar -tzf "${tarballs[0]}")" || { fail "tar -t failed"; return 1; }
  for f in reports/hlb_record_smoke.json reports/hlb_record_smoke.profile.md summary.md table.txt logs/ctest.log logs/build-tail.log \
           logs/configure.log logs/bench-hlb_record_smoke.log cmake-settings.txt run.txt; do
    grep -qE "^cifarbench-results-[0-9]{8}-[0-9]{6}-[A-Za-z0-9._-]+/$f\$" <<<"$listing" ||
      { echo "$listing"; fail "the tarball has no $f"; return 1; }
  done
}

case_report_parses() {
  local tarball=("$out"/cifarbench-results-*.tar.gz)
  tar -xzOf "${tarball[0]}" --wildcards '*/reports/hlb_record_smoke.json' | python3 -c '
import json, sys
r = json.load(sys.stdin)
assert r["schema_version"] == 3, r["schema_version"]
assert [x["status"] for x in r["runs"]] == ["RUN_STATUS_OK"], [x["status"] for x in r["runs"]]
a = r["aggregates"][0]
assert a["recipe"] == "hlb_record_smoke" and a["runs"] == 1 and a["ok_runs"] == 1, a
assert 0.3 < a["accuracy_mean"] <= 1, a["accuracy_mean"]
assert r["context"]["device"] == "cpu", r["context"]
print("report: %.2f%% in %.1f s on %s" % (100 * a["accuracy_mean"], a["train_s_mean"],
                                           r["context"]["device_name"]))
' || { fail "the report does not parse or is not one OK run of hlb_record_smoke"; return 1; }
}

case_table_last() {
  local last header
  last="$(tail -n 1 "$work/run.log")"
  header="$(tail -n 3 "$work/run.log" | sed -n 1p)"
  [[ "$header" =~ ^\|\ recipe\ +\|\ runs\ +\|\ step\ +\|\ headline\ accuracy\ mean\ ±\ std\ +\|\ train_s\ mean\ +\|\ time_to_result_s\ mean\ +\|\ TFLOP/s\ +\|\ card ]] ||
    { fail "the third line from the end is not the table's header: $header"; return 1; }
  [[ "$last" =~ ^\|\ hlb_record_smoke\ +\|\ 1\ +\|\ eager\ +\|\ [0-9]+\.[0-9]{2}%\ +\|\ [0-9.]+\ s\ +\|\ [0-9.]+\ s\ +\|\ [0-9.]+\ +\|\ [^|]*[^\ |] ]] ||
    { fail "the last line is not hlb_record_smoke's row: $last"; return 1; }
  grep -q 'hlb_record_smoke' "$out/summary.md" || { fail "summary.md does not name it"; return 1; }
}

case_built_against_bundle() {
  local key
  for key in absl_DIR GTest_DIR Protobuf_INCLUDE_DIR Protobuf_LIBRARY_RELEASE Protobuf_PROTOC_EXECUTABLE; do
    # run.sh writes the build folder as <build> (machine paths become names)
    grep -q "^$key:[A-Z]*=<build>/bundle-prefix/usr/" "$out/cmake-settings.txt" ||
      { fail "$key is not from the bundle: $(grep "^$key" "$out/cmake-settings.txt")"; return 1; }
  done
  # OpenSSL too (this machine has libssl-dev installed: a build that found it would pass above)
  grep -qE '^-- cifarbench: OpenSSL .* libcrypto <build>/bundle-prefix/usr/lib/' "$out/cmake-settings.txt" ||
    { fail "libcrypto is not the bundle's: $(grep 'cifarbench: OpenSSL' "$out/cmake-settings.txt")"; return 1; }
  grep -qE '100% tests passed, 0 tests failed out of 3$' "$out/logs/ctest.log" ||
    { fail "ctest did not pass its 3 tests: $(tail -n 3 "$out/logs/ctest.log")"; return 1; }
}

# Reruns in the same build folder (nothing to unpack or build): the default recipe list (a dry
# run) and an unknown recipe.
rerun() {
  "$root/tools/gpu/run.sh" "--bundle=$bundle" "--out=$work/out-rerun" "--build_dir=$build" \
    "--torch_prefix=$torch" --device=cpu "--ctest_regex=$ctest_regex" "--targets=$build_targets" \
    "$@" >"$work/rerun.log" 2>&1
}

case_default_recipes() {
  rerun --dry_run || { tail -n 20 "$work/rerun.log"; fail "run.sh --dry_run failed"; return 1; }
  local shipped want
  shipped="$("$build/bench/bench" --list | awk 'NR > 1 && NF == 0 { exit } NR > 1 { print $1 }')"
  want=$(grep -cv '_smoke$' <<<"$shipped")
  [[ $(grep -c '^+ .*/bench --recipe=' "$work/rerun.log") -eq $want ]] ||
    { grep '^+ ' "$work/rerun.log"; fail "want the $want non-smoke recipes of bench --list"; return 1; }
  grep -qE '^\+ .*/bench --recipe=hlb_record --device=cpu .* --runs=10$' "$work/rerun.log" ||
    { fail "no hlb_record with 10 runs"; return 1; }
  grep -qE '^\+ .*/bench --recipe=page_resnet9 .* --runs=1$' "$work/rerun.log" ||
    { fail "no page_resnet9 with 1 run"; return 1; }
  ! grep -q '^+ .*_smoke' "$work/rerun.log" || { fail "a smoke recipe in the defaults"; return 1; }
  ! compgen -G "$work/out-rerun/*.tar.gz" >/dev/null || { fail "a dry run packed"; return 1; }
}

case_unknown_recipe() {
  ! rerun --recipes=hlb_record_smoke:1,no_such_recipe:2 || { fail "an unknown recipe was accepted"; return 1; }
  grep -q "error in step 'benchmarks': no recipe 'no_such_recipe'" "$work/rerun.log" ||
    { tail -n 5 "$work/rerun.log"; fail "the error does not name the recipe and the step"; return 1; }
  ! compgen -G "$work/out-rerun/reports/*.json" >/dev/null || { fail "something ran"; return 1; }
}

# --peers: the Python originals after the recipes (tools/peers/peers.py), here the stand-in
# written from scratch in main.py's output format as hlb-CIFAR10/main.py; airbench94_muon has no
# checkout (skipped and said), hiverge is skipped for lack of --time_limit. No machine path of
# this test's folders is left in the tarball's text files.
case_peers() {
  local pdir="$work/peers-checkouts" tarball listing
  mkdir -p "$pdir/hlb-CIFAR10" "$pdir/cifar10-speedrun"
  cp "$root/tests/tools/peers/testdata/standin/main.py" "$pdir/hlb-CIFAR10/main.py"
  : >"$pdir/cifar10-speedrun/cifar10_speedrun.py"
  rm -rf -- "$work/out-rerun"
  rerun --steps=build,data,bench --recipes=hlb_record_smoke:1 "--peers=$pdir" \
    --peers_runs=hlb_record:2,airbench94_muon:1,hiverge_record:1 --time_limit=230 \
    "--peers_args=--epochs=2.1 --widths=8,32,64 --skip_data_cache" ||
    { tail -n 30 "$work/rerun.log"; fail "run.sh --peers failed"; return 1; }
  tarball=("$work"/out-rerun/cifarbench-results-*.tar.gz)
  listing="$(tar -tzf "${tarball[0]}")"
  for f in peers/hlb_record.python.json logs/peers-hlb_record.log logs/peers-hlb_record.stdout.log \
           logs/peers-airbench94_muon.log logs/peers-hiverge_record.log; do
    grep -q "/$f\$" <<<"$listing" || { echo "$listing"; fail "the tarball has no $f"; return 1; }
  done
  python3 - "$work/out-rerun/peers/hlb_record.python.json" <<'PY' || { fail "the stand-in's report is not 2 OK runs of hlb_record"; return 1; }
import json, sys
r = json.load(open(sys.argv[1]))
assert r["runs"][0]["recipe"] == "hlb_record" and r["runs"][0]["plugin"] == "python-original", r["runs"][0]["plugin"]
assert [x["status"] for x in r["runs"]] == ["RUN_STATUS_OK"] * 2, [x["status"] for x in r["runs"]]
assert "modified" in r["context"]["build_type"], r["context"]["build_type"]
PY
  grep -q '^skipped: no checkout <peers>/cifar10-airbench$' "$work/out-rerun/logs/peers-airbench94_muon.log" ||
    { cat "$work/out-rerun/logs/peers-airbench94_muon.log"; fail "airbench94_muon without a checkout is not said skipped"; return 1; }
  grep -q 'hiverge runs only with 240' "$work/out-rerun/logs/peers-hiverge_record.log" ||
    { cat "$work/out-rerun/logs/peers-hiverge_record.log"; fail "hiverge was not skipped for --time_limit"; return 1; }
  grep -q '^## Side by side with the Python originals' "$work/out-rerun/summary.md" ||
    { fail "summary.md has no side-by-side section"; return 1; }
  local data_real
  data_real="$(cd "$data" && pwd -P)"
  if tar -xzOf "${tarball[0]}" --wildcards '*.json' '*.md' '*.txt' '*.log' | grep -F -e "$work" -e "$root" -e "$data_real"; then
    fail "the tarball names this machine's folders ($work, $root or $data_real)"; return 1
  fi
}

# The originals alone (--steps=build,data,peers), compared with the reports of an earlier call
# (--compare_with): here the stand-in's hlb_record against hlb_record_smoke's report renamed
# hlb_record. The comparison reaches summary.md, and its chart links point at the charts. The
# bundle is calls/later (no packages, no batches: the build folder has them from before).
case_peers_alone() {
  local pdir="$work/peers-checkouts" cmp="$work/earlier-reports" pout="$work/out-peers-alone"
  mkdir -p "$cmp"
  python3 - "$out/reports/hlb_record_smoke.json" "$cmp/hlb_record.json" <<'PY' || { fail "could not make the earlier report"; return 1; }
import json, sys
r = json.load(open(sys.argv[1]))
for x in r["runs"] + r["aggregates"]:
    x["recipe"] = "hlb_record"
json.dump(r, open(sys.argv[2], "w"))
PY
  "$root/tools/gpu/run.sh" "--bundle=$bundle/calls/later" "--out=$pout" "--build_dir=$build" \
    "--torch_prefix=$torch" --device=cpu --targets=bench,compare --steps=build,data,peers "--peers=$pdir" \
    --peers_runs=hlb_record:2 "--compare_with=$cmp" \
    "--peers_args=--epochs=2.1 --widths=8,32,64 --skip_data_cache" >"$work/peers-alone.log" 2>&1 ||
    { tail -n 30 "$work/peers-alone.log"; fail "run.sh --steps=build,data,peers failed"; return 1; }
  ! grep -q '^==== benchmarks ====' "$work/peers-alone.log" || { fail "it benchmarked cifarbench's recipes"; return 1; }
  grep -q '^### hlb_record (compare exit [01])$' "$pout/summary.md" ||
    { cat "$pout/summary.md"; fail "summary.md has no comparison of hlb_record"; return 1; }
  local link
  link="$(grep -oE '\]\([a-z_]+/[a-z_]+\.svg\)' "$pout/peers/hlb_record.compare.md" | sed -n 1p)"
  [[ -n "$link" ]] || { fail "compare.md links no chart"; return 1; }
  link="${link#](}" && link="${link%)}"
  [[ -f "$pout/peers/$link" ]] || { fail "compare.md links $link, which is not in peers/"; return 1; }
  grep -q "](peers/$link)" "$pout/summary.md" || { fail "summary.md does not link peers/$link"; return 1; }
  # Without --time_limit each original still has its cap (--peer_timeout's 900 s default), and
  # the summary says what warm-up the original ran.
  grep -q -- 'peers.py run .* --timeout=900' "$work/peers-alone.log" ||
    { grep -- 'peers.py run' "$work/peers-alone.log"; fail "the original ran without --peer_timeout's cap"; return 1; }
  grep -qF -- "- hlb_record warm-up: none: the script's output has no warm-up run" "$pout/summary.md" ||
    { cat "$pout/summary.md"; fail "summary.md does not say the original's warm-up"; return 1; }
}

run_case case_bundle
[[ $failed -eq 0 ]] || finish  # nothing else can work without the bundle
run_case case_bundle_rerun
run_case case_usage_errors
run_case case_damaged_bundle
if [[ "$prebuilt" == true ]]; then
  run_case case_prebuilt_payload
  run_case case_prebuilt_run
  run_case case_prebuilt_test_fails
  run_case case_fallback_needs_build_packages
fi
run_sh
run_case case_run
run_case case_tarball
run_case case_report_parses
run_case case_table_last
run_case case_built_against_bundle
[[ "$prebuilt" == false ]] || run_case case_fallback_said
run_case case_default_recipes
run_case case_unknown_recipe
run_case case_peers
run_case case_peers_alone
printf '(%ss)\n' "$SECONDS"
finish
