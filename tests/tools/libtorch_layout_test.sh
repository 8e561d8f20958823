#!/usr/bin/env bash
# Tests tools/bazel/libtorch_layout.sh (the detection behind @libtorch) on fake LibTorch
# layouts made of empty files in a temporary folder.
#
#   libtorch_layout_test.sh [path/to/libtorch_layout.sh]
# Under Bazel the script comes from the runfiles; under CMake/ctest its path is passed.
set -euo pipefail

script="${1:-}"
if [[ -z "$script" ]]; then
  for c in "${TEST_SRCDIR:-}/${TEST_WORKSPACE:-cifarbench}/tools/bazel/libtorch_layout.sh" \
    "$(dirname "$0")/../../tools/bazel/libtorch_layout.sh"; do
    if [[ -f "$c" ]]; then
      script="$c"
      break
    fi
  done
fi
[[ -f "$script" ]] || {
  echo "cannot find libtorch_layout.sh" >&2
  exit 1
}
script="$(cd "$(dirname "$script")" && pwd -P)/$(basename "$script")"

tmp="$(mktemp -d "${TEST_TMPDIR:-${TMPDIR:-/tmp}}/libtorch_layout_test.XXXXXX")"
trap 'rm -rf "$tmp"' EXIT
unset CUDA_HOME CUDA_PATH
# Keep the machine's own /usr/local/cuda out of the pip and unpacked cases.
mkdir -p "$tmp/no-sysroot"
export LIBTORCH_LAYOUT_SYSROOT="$tmp/no-sysroot"

passed=0
failed=0
pass() {
  passed=$((passed + 1))
  echo "PASS: $1"
}
fail() {
  failed=$((failed + 1))
  echo "FAIL: $1" >&2
}

# Lays out the headers every LibTorch has, under $1 (an include folder).
make_headers() {
  mkdir -p "$1/torch/csrc/api/include/torch" "$1/ATen"
  touch "$1/torch/csrc/api/include/torch/torch.h" "$1/ATen/ATen.h"
}
make_libs() {
  local dir="$1"
  shift
  mkdir -p "$dir"
  for l in "$@"; do touch "$dir/lib$l.so"; done
}
make_torch_config() { # DIR ABI
  mkdir -p "$1"
  echo "  set(TORCH_CXX_FLAGS \"-D_GLIBCXX_USE_CXX11_ABI=$2\")" >"$1/TorchConfig.cmake"
}

run_layout() { # HOME -> sets $out, $err, $rc
  set +e
  out="$(bash "$script" "$@" 2>"$tmp/stderr")"
  rc=$?
  set -e
  err="$(cat "$tmp/stderr")"
}

value() { # KEY -> the value in $out
  sed -n "s/^$1=//p" <<<"$out"
}

expect() { # NAME KEY WANT
  local got
  got="$(value "$2")"
  if [[ "$got" == "$3" ]]; then
    pass "$1: $2=$3"
  else
    fail "$1: $2: want '$3', got '$got' (output: $out; stderr: $err)"
  fi
}

expect_error() { # NAME PATTERN
  if [[ $rc -ne 0 && "$err" == *"$2"* && "$err" == libtorch_layout:\ error:* ]]; then
    pass "$1: fails with '$2'"
  else
    fail "$1: want exit != 0 and an error containing '$2'; got rc=$rc, stderr: $err, stdout: $out"
  fi
}

# --- 1. pip torch with CUDA: site-packages/torch with __init__.py, CUDA libs, nvidia headers.
pip="$tmp/site-packages/torch"
make_headers "$pip/include"
make_libs "$pip/lib" torch torch_cpu c10 torch_cuda c10_cuda torch_python
touch "$pip/__init__.py"
echo "__version__ = '2.11.0+cu130'" >"$pip/version.py"
make_torch_config "$pip/share/cmake/Torch" 1
mkdir -p "$tmp/site-packages/nvidia/cuda_runtime/include"
touch "$tmp/site-packages/nvidia/cuda_runtime/include/cuda_runtime_api.h"
mkdir -p "$tmp/site-packages/nvidia/cu13/lib"
touch "$tmp/site-packages/nvidia/cu13/lib/libcudart.so.13"
run_layout "$pip"
if [[ $rc -eq 0 ]]; then pass "pip+cuda: exit 0"; else fail "pip+cuda: rc=$rc: $err"; fi
expect pip+cuda LAYOUT pip
expect pip+cuda LIBTORCH_HOME "$(cd "$pip" && pwd -P)"
expect pip+cuda INCLUDE_DIR "$(cd "$pip" && pwd -P)/include"
expect pip+cuda API_INCLUDE_DIR "$(cd "$pip" && pwd -P)/include/torch/csrc/api/include"
expect pip+cuda LIB_DIR "$(cd "$pip" && pwd -P)/lib"
expect pip+cuda CUDA 1
expect pip+cuda LIBS "torch torch_cpu torch_cuda c10_cuda c10"
expect pip+cuda CUDA_INCLUDE_DIR "$(cd "$tmp/site-packages/nvidia/cuda_runtime/include" && pwd -P)"
expect pip+cuda CUDART_LIB "$(cd "$tmp/site-packages/nvidia/cu13/lib" && pwd -P)/libcudart.so.13"
expect pip+cuda CXX11_ABI 1
expect pip+cuda VERSION "2.11.0+cu130"
expect pip+cuda CMAKE_PREFIX "$(cd "$pip" && pwd -P)/share/cmake"

# A relative LIBTORCH_HOME is made absolute.
(cd "$tmp/site-packages" && bash "$script" torch >"$tmp/rel.out" 2>&1) && out="$(cat "$tmp/rel.out")" || out=""
expect pip-relative LIBTORCH_HOME "$(cd "$pip" && pwd -P)"

# --- 2. Unpacked LibTorch, CPU only, old pre-cxx11 ABI, no libtorch.so.
unpacked="$tmp/libtorch"
make_headers "$unpacked/include"
make_libs "$unpacked/lib" torch_cpu c10 shm
echo "1.13.1+cpu" >"$unpacked/build-version"
make_torch_config "$unpacked/share/cmake/Torch" 0
run_layout "$unpacked"
if [[ $rc -eq 0 ]]; then pass "unpacked: exit 0"; else fail "unpacked: rc=$rc: $err"; fi
expect unpacked LAYOUT unpacked
expect unpacked CUDA 0
expect unpacked LIBS "torch_cpu c10"
expect unpacked CUDA_INCLUDE_DIR ""
expect unpacked CUDART_LIB ""
expect unpacked CXX11_ABI 0
expect unpacked VERSION "1.13.1+cpu"

# --- 3. System (Debian) layout under a fake sysroot.
sysroot="$tmp/sysroot"
make_headers "$sysroot/usr/include"
make_libs "$sysroot/usr/lib/$(uname -m)-linux-gnu" torch torch_cpu c10
make_torch_config "$sysroot/usr/lib/$(uname -m)-linux-gnu/cmake/Torch" 1
echo 'set(PACKAGE_VERSION "1.13.0")' >"$sysroot/usr/lib/$(uname -m)-linux-gnu/cmake/Torch/TorchConfigVersion.cmake"
out="$(LIBTORCH_LAYOUT_SYSROOT="$sysroot" bash "$script" "" 2>"$tmp/stderr")" && rc=0 || rc=$?
err="$(cat "$tmp/stderr")"
if [[ $rc -eq 0 ]]; then pass "system: exit 0"; else fail "system: rc=$rc: $err"; fi
expect system LAYOUT system
expect system INCLUDE_DIR "$sysroot/usr/include"
expect system LIB_DIR "$sysroot/usr/lib/$(uname -m)-linux-gnu"
expect system LIBS "torch torch_cpu c10"
expect system CUDA 0
expect system VERSION 1.13.0

# No LibTorch at all on the system.
mkdir -p "$tmp/empty-sysroot"
out="$(LIBTORCH_LAYOUT_SYSROOT="$tmp/empty-sysroot" bash "$script" 2>"$tmp/stderr")" && rc=0 || rc=$?
err="$(cat "$tmp/stderr")"
expect_error "system, none installed" "LIBTORCH_HOME is not set"

# --- 4. Errors: missing folder, a file, an empty folder, site-packages itself, half a CUDA.
run_layout "$tmp/does-not-exist"
expect_error "missing folder" "does not exist"
touch "$tmp/a-file"
run_layout "$tmp/a-file"
expect_error "a file" "is not a directory"
mkdir -p "$tmp/empty"
run_layout "$tmp/empty"
expect_error "empty folder" "is not a LibTorch"
run_layout "$tmp/site-packages"
expect_error "site-packages" "point it at"
half="$tmp/half-cuda"
make_headers "$half/include"
make_libs "$half/lib" torch torch_cpu c10 torch_cuda
run_layout "$half"
expect_error "libtorch_cuda without libc10_cuda" "no libc10_cuda.so"
nolib="$tmp/no-c10"
make_headers "$nolib/include"
make_libs "$nolib/lib" torch torch_cpu
run_layout "$nolib"
expect_error "no libc10" "libc10.so is missing"
noapi="$tmp/no-api"
mkdir -p "$noapi/include/ATen" "$noapi/lib"
make_libs "$noapi/lib" torch torch_cpu c10
run_layout "$noapi"
expect_error "no C++ API headers" "torch/torch.h"

echo "$passed passed, $failed failed"
[[ $failed -eq 0 ]]
