#!/usr/bin/env bash
# Tests `tools/gpu/prebuilt.sh check`, the gate before a GPU machine runs binaries built here,
# on a fake prebuilt folder (a copy of a system binary, a MANIFEST with its sha256) and a fake
# torch lib folder (version.py, and a libc10.so that is a copy of this machine's libstdc++, which
# exports std::__cxx11 symbols): one MANIFEST that fits this machine passes; each way a build
# can fail to fit (torch version, C++ ABI, glibc, GLIBCXX_, CXXABI_, a damaged file, a missing
# shared library) is refused with its own reason. gpu_runbook_test runs the fitting case and
# the wrong torch version on real binaries; this covers the other refusals.
#
#   prebuilt_check_test.sh [path/to/prebuilt.sh]
# Under Bazel the script comes from the runfiles; under CMake/ctest its path is passed.
set -euo pipefail

script="${1:-}"
if [[ -z "$script" ]]; then
  for c in "${TEST_SRCDIR:-}/${TEST_WORKSPACE:-cifarbench}/tools/gpu/prebuilt.sh" \
    "$(dirname "$0")/../../tools/gpu/prebuilt.sh"; do
    if [[ -f "$c" ]]; then
      script="$c"
      break
    fi
  done
fi
[[ -f "$script" ]] || { echo "cannot find prebuilt.sh" >&2; exit 1; }

tmp="$(mktemp -d "${TEST_TMPDIR:-${TMPDIR:-/tmp}}/prebuilt_check_test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
failures=0
fail() { echo "FAIL: $*"; failures=$((failures + 1)); }

# The fake torch: lib/libc10.so (with __cxx11 symbols: ABI 1) and version.py beside lib/.
libstdcxx="$(${CXX:-g++} -print-file-name=libstdc++.so.6 2>/dev/null || true)"
[[ -f "$libstdcxx" ]] || libstdcxx="$(ldconfig -p | awk '/libstdc\+\+\.so\.6 / { print $NF; exit }')"
[[ -f "$libstdcxx" ]] || { echo "no libstdc++.so.6 on this machine" >&2; exit 1; }
mkdir -p "$tmp/torch/lib"
cp "$libstdcxx" "$tmp/torch/lib/libc10.so"
printf "__version__ = '2.11.0+cu130'\ncuda: Optional[str] = '13.0'\n" >"$tmp/torch/version.py"

# What this machine has, for the MANIFEST that fits.
glibc="$(getconf GNU_LIBC_VERSION | awk '{ print $2 }')"
glibcxx="$(grep -aoE 'GLIBCXX_3\.4\.[0-9]+' "$libstdcxx" | sort -uV | tail -n 1 | sed 's/GLIBCXX_//')"
cxxabi="$(grep -aoE 'CXXABI_1\.3\.[0-9]+' "$libstdcxx" | sort -uV | tail -n 1 | sed 's/CXXABI_//')"

# make_prebuilt DIR KEY=VALUE...: bench/bench (a copy of $PREBUILT_BIN, else /bin/true) and a
# MANIFEST that fits this machine, with the given keys replaced.
make_prebuilt() {
  local dir="$1"
  shift
  mkdir -p "$dir/bench"
  cp "${PREBUILT_BIN:-/bin/true}" "$dir/bench/bench"
  declare -A m=([torch_version]=2.11.0+cu130 [cuda]=13.0 [cxx11_abi]=1 [glibc]="$glibc"
                [glibcxx]="$glibcxx" [cxxabi]="$cxxabi")
  local kv
  for kv in "$@"; do m["${kv%%=*}"]="${kv#*=}"; done
  {
    for k in torch_version cuda cxx11_abi glibc glibcxx cxxabi; do echo "$k=${m[$k]}"; done
    echo "built_on=test, glibc $glibc, g++"
    (cd "$dir" && sha256sum bench/bench)
  } >"$dir/MANIFEST"
}

# expect NAME WANT_EXIT WANT_TEXT DIR [LIB_DIR...]
expect() {
  local name="$1" want_rc="$2" want_text="$3" dir="$4" out rc=0
  shift 4
  out="$(bash "$script" check "$dir" "$tmp/torch/lib" "$@" 2>&1)" || rc=$?
  if [[ "$rc" -ne "$want_rc" ]]; then
    fail "$name: exit $rc, expected $want_rc; output: $out"
  elif [[ "$out" != *"$want_text"* ]]; then
    fail "$name: output lacks '$want_text': $out"
  else
    echo "ok: $name: $(head -n 1 <<<"$out")"
  fi
}

make_prebuilt "$tmp/fits"
expect "a build that fits" 0 "usable: torch 2.11.0+cu130" "$tmp/fits"

make_prebuilt "$tmp/torch_version" torch_version=2.10.0+cu130
expect "another torch" 1 "built against torch 2.10.0+cu130, this machine has 2.11.0+cu130" \
  "$tmp/torch_version"

make_prebuilt "$tmp/abi" cxx11_abi=0
expect "the other C++ ABI" 1 "built with _GLIBCXX_USE_CXX11_ABI=0, this torch has 1" "$tmp/abi"

make_prebuilt "$tmp/glibc" glibc=99.1
expect "a newer glibc" 1 "the binaries need glibc >= 99.1, this machine has $glibc" "$tmp/glibc"

make_prebuilt "$tmp/glibcxx" glibcxx=3.4.99
expect "a newer libstdc++ (GLIBCXX_)" 1 "the binaries need GLIBCXX_3.4.99, which this machine's libstdc++" \
  "$tmp/glibcxx"

make_prebuilt "$tmp/cxxabi" cxxabi=1.3.99
expect "a newer libstdc++ (CXXABI_)" 1 "the binaries need CXXABI_1.3.99" "$tmp/cxxabi"

make_prebuilt "$tmp/damaged"
printf 'x' >>"$tmp/damaged/bench/bench"
expect "a damaged file" 1 "the files do not match MANIFEST's sha256" "$tmp/damaged"

# A binary that needs a library of its own (libcbprobe.so, built here): refused without the
# folder that holds it, usable when that folder is passed as a LIB_DIR (the bundle's libraries).
if command -v "${CC:-cc}" >/dev/null 2>&1; then
  mkdir -p "$tmp/lib"
  printf 'int cb_prebuilt_probe(void) { return 0; }\n' >"$tmp/probe.c"
  "${CC:-cc}" -shared -fPIC -o "$tmp/lib/libcbprobe.so" "$tmp/probe.c"
  printf 'int cb_prebuilt_probe(void);\nint main(void) { return cb_prebuilt_probe(); }\n' >"$tmp/main.c"
  "${CC:-cc}" -o "$tmp/probe" "$tmp/main.c" -L"$tmp/lib" -lcbprobe
  PREBUILT_BIN="$tmp/probe" make_prebuilt "$tmp/needs"
  expect "a shared library not found" 1 "bench/bench: shared libraries not found: libcbprobe.so" "$tmp/needs"
  expect "the same library in a LIB_DIR" 0 "usable" "$tmp/needs" "$tmp/lib"
else
  echo "skipped: no C compiler for the missing-library case"
fi

# Every reason at once: one line each, in the order checked.
make_prebuilt "$tmp/all" torch_version=1.0 cxx11_abi=0 glibc=99.1 glibcxx=3.4.99 cxxabi=1.3.99
out="$(bash "$script" check "$tmp/all" "$tmp/torch/lib" 2>&1)" && fail "all reasons: exit 0" || true
[[ "$(wc -l <<<"$out")" -eq 5 ]] || fail "all reasons: expected 5 lines, got: $out"

if [[ "$failures" -gt 0 ]]; then
  echo "prebuilt_check_test: $failures failure(s)"
  exit 1
fi
echo "prebuilt_check_test: all cases passed"
