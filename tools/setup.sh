#!/usr/bin/env bash
# Sets up a Debian 12 machine for cifarbench and runs the smoke recipe: the README's first
# command.
#
#   tools/setup.sh                  install the Debian packages, then
#                                   bazel run //recipes:hlb_record_smoke
#   tools/setup.sh --packages-only  install the Debian packages only (what .ci/run does)
#   tools/setup.sh --print-packages print the package list
#   --libtorch=pip                  also install the second supported LibTorch, pip's torch with
#                                   CUDA (pinned in tools/pip_torch.sh), into a virtual environment
#                                   outside the clone (~/.cache/cifarbench, wheels kept), and run
#                                   the smoke recipe built against it (LIBTORCH_HOME)
#   --libtorch=debian               Debian's LibTorch 1.13 (the default)
#   --with-slurm                    also Debian's slurm-wlm and munge, for the real-Slurm sweep
#                                   test (tests/tools/slurm_sweep_test.sh; CI runs it)
#
# Installing needs root (or sudo). Everything else is offline: Bazel's external repositories
# are the system libraries and Debian's packaged Bazel rules (see WORKSPACE).
set -euo pipefail

# The one list of Debian packages the builds need (Bazel and CMake), shared with .ci/run.
CIFARBENCH_DEBIAN_PACKAGES=(
  # Bazel 4 (offline) and the rules it needs
  bazel-bootstrap
  default-jdk-headless
  bazel-rules-java
  bazel-skylib
  bazel-platforms
  # CMake build
  cmake
  make
  g++
  ccache
  # Libraries
  libtorch-dev
  libabsl-dev
  libssl-dev
  libprotobuf-dev
  protobuf-compiler
  libgtest-dev
  libgmock-dev
  libbenchmark-dev
  # Boost.Math's distributions (header-only) for the statistics (core/stats)
  libboost-dev
  # libFuzzer targets (tools/fuzz.sh): clang, its fuzzer/sanitizer runtimes, llvm-symbolizer
  clang
  libclang-rt-14-dev
  llvm
)

# For the real-Slurm sweep test only (--with-slurm; .ci/run).
CIFARBENCH_SLURM_PACKAGES=(slurm-wlm munge)

section() {
  printf '\n==== %s ====\n' "$*"
}

cifarbench_install_packages() {
  local missing=() p
  for p in "${CIFARBENCH_DEBIAN_PACKAGES[@]}"; do
    if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -c 'install ok installed' >/dev/null; then
      missing+=("$p")
    fi
  done
  if [[ ${#missing[@]} -eq 0 ]]; then
    echo "All ${#CIFARBENCH_DEBIAN_PACKAGES[@]} Debian packages are installed."
    return 0
  fi
  echo "Installing: ${missing[*]}"
  local sudo=()
  if [[ $(id -u) -ne 0 ]]; then
    command -v sudo >/dev/null || {
      echo "setup: not root and no sudo; install as root: apt-get install ${missing[*]}" >&2
      return 1
    }
    sudo=(sudo)
  fi
  export DEBIAN_FRONTEND=noninteractive
  "${sudo[@]}" apt-get update -q
  "${sudo[@]}" apt-get install -y -q --no-install-recommends "${missing[@]}"
}

main() {
  local mode="" libtorch=debian arg slurm=false
  for arg in "$@"; do
    case "$arg" in
      --print-packages)
        printf '%s\n' "${CIFARBENCH_DEBIAN_PACKAGES[@]}"
        return 0
        ;;
      --packages-only) mode="$arg" ;;
      --libtorch=debian | --libtorch=pip) libtorch="${arg#*=}" ;;
      --with-slurm) slurm=true ;;
      -h | --help)
        sed -n '2,19p' "$0"
        return 0
        ;;
      *)
        echo "setup: unknown option $arg (see --help)" >&2
        return 2
        ;;
    esac
  done

  section "Debian packages"
  [[ "$slurm" == false ]] || CIFARBENCH_DEBIAN_PACKAGES+=("${CIFARBENCH_SLURM_PACKAGES[@]}")
  cifarbench_install_packages
  if [[ "$libtorch" == pip ]]; then
    section "pip torch (tools/pip_torch.sh)"
    # shellcheck source=tools/pip_torch.sh
    . "$(dirname "${BASH_SOURCE[0]}")/pip_torch.sh"
    cifarbench_pip_torch_install
    echo "LIBTORCH_HOME=$(cifarbench_pip_torch_home)   (Bazel)"
    echo "CMAKE_PREFIX_PATH=$(cifarbench_pip_torch_prefix)   (CMake)"
  fi
  [[ "$mode" == --packages-only ]] && return 0

  cd "$(dirname "$0")/.."
  section "bazel run //recipes:hlb_record_smoke"
  if [[ "$libtorch" == pip ]]; then
    LIBTORCH_HOME="$(cifarbench_pip_torch_home)" bazel run //recipes:hlb_record_smoke
  else
    bazel run //recipes:hlb_record_smoke
  fi
}

# Sourcing this file (". tools/setup.sh") only defines the list and the functions.
if [[ "${BASH_SOURCE[0]}" == "$0" ]]; then
  main "$@"
fi
