#!/usr/bin/env bash
# Finds a LibTorch installation and prints its layout as key=value lines, one per line.
#
#   libtorch_layout.sh [LIBTORCH_HOME]
#
# LIBTORCH_HOME is either an unpacked LibTorch distribution or a pip `torch` package folder
# (.../site-packages/torch); both have include/, include/torch/csrc/api/include/ and lib/.
# Without it (or with an empty one), Debian's libtorch-dev is used: headers in
# $SYSROOT/usr/include, libraries in $SYSROOT/usr/lib/<multiarch> (SYSROOT is
# LIBTORCH_LAYOUT_SYSROOT, default empty: for tests only).
#
# Output (stdout), e.g.:
#   LAYOUT=pip                      # system | pip | unpacked
#   LIBTORCH_HOME=/abs/path/torch   # empty for system
#   INCLUDE_DIR=/abs/path/torch/include
#   API_INCLUDE_DIR=/abs/path/torch/include/torch/csrc/api/include
#   LIB_DIR=/abs/path/torch/lib
#   CUDA=1                          # 1 when libtorch_cuda.so and libc10_cuda.so are there
#   LIBS=torch torch_cpu torch_cuda c10_cuda c10   # to link, -Wl,--no-as-needed, in order
#   CUDA_INCLUDE_DIR=/usr/local/cuda/include       # cuda_runtime_api.h's folder, or empty
#   CUDART_LIB=/abs/path/nvidia/cu13/lib/libcudart.so.13   # the CUDA runtime the CUDA sources
#                                   # call directly (cudaEvent*, ...): pip's beside a pip torch
#                                   # (the one libtorch_cuda loads), else the toolkit's; or empty
#   CXX11_ABI=1                     # _GLIBCXX_USE_CXX11_ABI from TorchConfig.cmake, or empty
#   VERSION=2.11.0                  # when known, else empty
#   CMAKE_PREFIX=/abs/path/torch/share/cmake   # folder holding Torch/TorchConfig.cmake, or empty
#
# Exit status 1 with "libtorch_layout: error: ..." on stderr when no usable LibTorch is found.
# Used by tools/bazel/libtorch.bzl (the @libtorch repository rule); tested by
# tests/tools/libtorch_layout_test.sh.
set -euo pipefail

die() {
  echo "libtorch_layout: error: $*" >&2
  exit 1
}

home="${1:-}"
sysroot="${LIBTORCH_LAYOUT_SYSROOT:-}"

if [[ -z "$home" ]]; then
  layout=system
  include_dir="$sysroot/usr/include"
  lib_dir=""
  arch="$(uname -m)"
  for d in "$sysroot/usr/lib/$arch-linux-gnu" "$sysroot/usr/lib64" "$sysroot/usr/lib" \
    "$sysroot/usr/local/lib"; do
    if [[ -e "$d/libtorch_cpu.so" || -e "$d/libtorch.so" ]]; then
      lib_dir="$d"
      break
    fi
  done
  [[ -n "$lib_dir" ]] || die "no LibTorch found: LIBTORCH_HOME is not set and Debian's" \
    "libtorch-dev is not installed (no libtorch_cpu.so in $sysroot/usr/lib/$arch-linux-gnu)." \
    "Install it (tools/setup.sh) or set LIBTORCH_HOME to an unpacked LibTorch or a pip torch" \
    "folder (python3 -c 'import torch, os; print(os.path.dirname(torch.__file__))')."
  cmake_prefix="$lib_dir/cmake"
else
  [[ -e "$home" ]] || die "LIBTORCH_HOME=$home does not exist."
  [[ -d "$home" ]] || die "LIBTORCH_HOME=$home is not a directory."
  home="$(cd "$home" && pwd -P)"
  if [[ ! -d "$home/include" && -d "$home/torch/include" ]]; then
    die "LIBTORCH_HOME=$home looks like a site-packages folder; point it at $home/torch."
  fi
  [[ -d "$home/include" && -d "$home/lib" ]] || die "LIBTORCH_HOME=$home is not a LibTorch:" \
    "expected include/ and lib/ in it (an unpacked LibTorch distribution, or a pip torch" \
    "package folder such as .../site-packages/torch)."
  if [[ -f "$home/__init__.py" ]]; then
    layout=pip
  else
    layout=unpacked
  fi
  include_dir="$home/include"
  lib_dir="$home/lib"
  cmake_prefix="$home/share/cmake"
fi

api_include_dir="$include_dir/torch/csrc/api/include"
[[ -f "$api_include_dir/torch/torch.h" ]] ||
  die "LibTorch's C++ API headers are missing: no $api_include_dir/torch/torch.h."
[[ -f "$include_dir/ATen/ATen.h" ]] || die "LibTorch's ATen headers are missing: no $include_dir/ATen/ATen.h."
for lib in torch_cpu c10; do
  [[ -e "$lib_dir/lib$lib.so" ]] || die "LibTorch's lib$lib.so is missing from $lib_dir."
done

libs=()
[[ -e "$lib_dir/libtorch.so" ]] && libs+=(torch)
libs+=(torch_cpu)
cuda=0
if [[ -e "$lib_dir/libtorch_cuda.so" || -e "$lib_dir/libc10_cuda.so" ]]; then
  [[ -e "$lib_dir/libtorch_cuda.so" ]] || die "$lib_dir has libc10_cuda.so but no libtorch_cuda.so."
  [[ -e "$lib_dir/libc10_cuda.so" ]] || die "$lib_dir has libtorch_cuda.so but no libc10_cuda.so."
  cuda=1
  libs+=(torch_cuda c10_cuda)
fi
libs+=(c10)

# CUDA runtime headers (ATen/cuda/*.h include cuda_runtime_api.h): CUDA_HOME, then the
# pip's nvidia-* packages beside a pip torch, then the usual toolkit folder.
cuda_include_dir=""
if [[ "$cuda" == 1 ]]; then
  candidates=()
  [[ -n "${CUDA_HOME:-}" ]] && candidates+=("$CUDA_HOME/include")
  [[ -n "${CUDA_PATH:-}" ]] && candidates+=("$CUDA_PATH/include")
  if [[ "$layout" == pip ]]; then
    shopt -s nullglob
    candidates+=("$home"/../nvidia/cuda_runtime/include "$home"/../nvidia/cu*/include)
    shopt -u nullglob
  fi
  candidates+=("$sysroot/usr/local/cuda/include")
  candidates+=("$sysroot/usr/include")
  for d in "${candidates[@]}"; do
    if [[ -f "$d/cuda_runtime_api.h" ]]; then
      cuda_include_dir="$(cd "$d" && pwd -P)"
      break
    fi
  done
fi

# The CUDA runtime library (libtorch_cuda's own, for a pip torch: its RUNPATH finds it there).
cudart_lib=""
if [[ "$cuda" == 1 ]]; then
  shopt -s nullglob
  candidates=()
  if [[ "$layout" == pip ]]; then
    candidates+=("$home"/../nvidia/cu*/lib/libcudart.so.* "$home"/../nvidia/cuda_runtime/lib/libcudart.so.*)
  fi
  [[ -n "${CUDA_HOME:-}" ]] && candidates+=("$CUDA_HOME"/lib64/libcudart.so "$CUDA_HOME"/lib/libcudart.so)
  candidates+=("$sysroot"/usr/local/cuda/lib64/libcudart.so "$lib_dir"/libcudart*.so*)
  shopt -u nullglob
  for f in "${candidates[@]}"; do
    if [[ -f "$f" ]]; then
      cudart_lib="$(cd "$(dirname "$f")" && pwd -P)/$(basename "$f")"
      break
    fi
  done
fi

# TorchConfig.cmake holds TORCH_CXX_FLAGS (-D_GLIBCXX_USE_CXX11_ABI=0|1).
torch_config=""
for f in "$cmake_prefix/Torch/TorchConfig.cmake" "$lib_dir/cmake/Torch/TorchConfig.cmake"; do
  if [[ -f "$f" ]]; then
    torch_config="$f"
    cmake_prefix="$(dirname "$(dirname "$f")")"
    break
  fi
done
[[ -n "$torch_config" ]] || cmake_prefix=""
cxx11_abi=""
if [[ -n "$torch_config" ]]; then
  cxx11_abi="$(sed -n 's/.*_GLIBCXX_USE_CXX11_ABI=\([01]\).*/\1/p' "$torch_config" | sed -n 1p)"
fi

version=""
if [[ "$layout" == pip && -f "$home/version.py" ]]; then
  version="$(sed -n "s/^__version__ *= *['\"]\([^'\"]*\)['\"].*/\1/p" "$home/version.py" | sed -n 1p)"
elif [[ "$layout" == unpacked && -f "$home/build-version" ]]; then
  version="$(head -n 1 "$home/build-version")"
elif [[ -n "$torch_config" && -f "$(dirname "$torch_config")/TorchConfigVersion.cmake" ]]; then
  version="$(sed -n 's/^set(PACKAGE_VERSION "\([^"]*\)").*/\1/p' \
    "$(dirname "$torch_config")/TorchConfigVersion.cmake" | sed -n 1p)"
fi

cat <<EOF
LAYOUT=$layout
LIBTORCH_HOME=$home
INCLUDE_DIR=$include_dir
API_INCLUDE_DIR=$api_include_dir
LIB_DIR=$lib_dir
CUDA=$cuda
LIBS=${libs[*]}
CUDA_INCLUDE_DIR=$cuda_include_dir
CUDART_LIB=$cudart_lib
CXX11_ABI=$cxx11_abi
VERSION=$version
CMAKE_PREFIX=$cmake_prefix
EOF
