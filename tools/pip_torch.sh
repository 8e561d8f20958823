#!/usr/bin/env bash
# The second supported LibTorch: pip's torch, the CUDA 13.0 build the GPU machines run. This file
# is the one place that pins it (sourced by tools/setup.sh and tools/test_all.sh; tools/gpu/run.sh
# checks a prebuilt build's torch against the torch it finds, not against this file).
#
# Why these versions: the GPU machines lent to this project run pip torch 2.11.0 with CUDA 13.0
# (docs/benchmarks.md), and cifarbench is built and tested here against the same LibTorch so that
# nothing a CPU machine can catch reaches a GPU (LibTorch 2.x broke three things that Debian's
# 1.13 never showed). torchvision 0.26.0 is the release paired with torch 2.11.0; the original
# Python scripts (tools/peers) import it.
#
#   . tools/pip_torch.sh
#   cifarbench_pip_torch_install    # venv + wheels, idempotent; prints nothing on stdout
#   cifarbench_pip_torch_prefix     # prints torch.utils.cmake_prefix_path (CMake)
#   cifarbench_pip_torch_home       # prints the torch package folder (Bazel's LIBTORCH_HOME)
#
# Where (outside the clone, kept between runs; CIFARBENCH_CACHE, default ~/.cache/cifarbench):
#   $CIFARBENCH_CACHE/wheels/                 the downloaded wheels (~3 GB with CUDA's), reused:
#                                             a second install downloads nothing
#   $CIFARBENCH_CACHE/venv-torch-<version>/   the virtual environment
CIFARBENCH_PIP_TORCH_VERSION=2.11.0
CIFARBENCH_PIP_TORCHVISION_VERSION=0.26.0
CIFARBENCH_PIP_TORCH_CUDA=13.0

CIFARBENCH_CACHE="${CIFARBENCH_CACHE:-${HOME:-/root}/.cache/cifarbench}"
CIFARBENCH_PIP_WHEELS="${CIFARBENCH_PIP_WHEELS:-$CIFARBENCH_CACHE/wheels}"
CIFARBENCH_PIP_VENV="${CIFARBENCH_PIP_VENV:-$CIFARBENCH_CACHE/venv-torch-$CIFARBENCH_PIP_TORCH_VERSION}"

# Checks the venv's torch: version, CUDA build, torchvision. Exit 0 when it is the pinned one.
cifarbench_pip_torch_check() {
  local py="$CIFARBENCH_PIP_VENV/bin/python"
  [[ -x "$py" ]] || return 1
  "$py" - "$CIFARBENCH_PIP_TORCH_VERSION" "$CIFARBENCH_PIP_TORCH_CUDA" \
    "$CIFARBENCH_PIP_TORCHVISION_VERSION" <<'PY'
import sys
want_torch, want_cuda, want_tv = sys.argv[1:4]
try:
    import torch, torchvision
except ImportError as e:
    sys.exit("pip torch: %s" % e)
got = torch.__version__.split("+")[0]
if got != want_torch:
    sys.exit("pip torch: version %s, want %s" % (torch.__version__, want_torch))
if torch.version.cuda != want_cuda:
    sys.exit("pip torch: torch.version.cuda is %r, want %r (the CUDA build)" % (torch.version.cuda, want_cuda))
if torchvision.__version__.split("+")[0] != want_tv:
    sys.exit("pip torch: torchvision %s, want %s" % (torchvision.__version__, want_tv))
if not torch.compiled_with_cxx11_abi():
    sys.exit("pip torch: built with the pre-C++11 string ABI; abseil and protobuf use the C++11 one")
PY
}

cifarbench_pip_torch_install() {
  local pins=("torch==$CIFARBENCH_PIP_TORCH_VERSION" "torchvision==$CIFARBENCH_PIP_TORCHVISION_VERSION")
  if cifarbench_pip_torch_check 2>/dev/null; then
    echo "pip torch: $CIFARBENCH_PIP_VENV has torch $CIFARBENCH_PIP_TORCH_VERSION (CUDA $CIFARBENCH_PIP_TORCH_CUDA)" >&2
    return 0
  fi
  mkdir -p "$CIFARBENCH_PIP_WHEELS"
  [[ -x "$CIFARBENCH_PIP_VENV/bin/python" ]] || python3 -m venv "$CIFARBENCH_PIP_VENV" >&2 || {
    echo "pip torch: cannot create the venv $CIFARBENCH_PIP_VENV (python3 -m venv; Debian: python3-venv)" >&2
    return 1
  }
  local pip=("$CIFARBENCH_PIP_VENV/bin/python" -m pip --disable-pip-version-check)
  # From the kept wheels first; download only what is missing (pip download keeps files that
  # are already in the folder).
  if ! "${pip[@]}" install -q --no-index --find-links "$CIFARBENCH_PIP_WHEELS" "${pins[@]}" >&2 2>/dev/null; then
    echo "pip torch: downloading ${pins[*]} into $CIFARBENCH_PIP_WHEELS" >&2
    "${pip[@]}" download -q -d "$CIFARBENCH_PIP_WHEELS" "${pins[@]}" >&2 || {
      echo "pip torch: pip download ${pins[*]} failed (is PyPI reachable?)" >&2
      return 1
    }
    "${pip[@]}" install -q --no-index --find-links "$CIFARBENCH_PIP_WHEELS" "${pins[@]}" >&2 || return 1
  fi
  cifarbench_pip_torch_check >&2 || return 1
  echo "pip torch: installed torch $CIFARBENCH_PIP_TORCH_VERSION (CUDA $CIFARBENCH_PIP_TORCH_CUDA) into $CIFARBENCH_PIP_VENV" >&2
}

cifarbench_pip_torch_prefix() {
  "$CIFARBENCH_PIP_VENV/bin/python" -c 'import torch; print(torch.utils.cmake_prefix_path)'
}

cifarbench_pip_torch_home() {
  "$CIFARBENCH_PIP_VENV/bin/python" -c 'import os, torch; print(os.path.dirname(torch.__file__))'
}
