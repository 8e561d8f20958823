#!/usr/bin/env bash
# Binaries built on a CPU machine against the same pip torch as the GPU machine's, carried to it
# so that its scarce minutes run code instead of compiling it (tools/gpu/run.sh --bundle=DIR
# uses DIR/prebuilt/ when it holds them and they fit the machine; else it builds there).
#
#   prebuilt.sh pack BUILD_DIR OUT_DIR
#       BUILD_DIR: a CMake build of cifarbench against pip torch with CUDA (tools/test_all.sh's
#       cmake-pip leg, or cmake -DCMAKE_PREFIX_PATH=<torch.utils.cmake_prefix_path>). Writes
#       OUT_DIR/cifarbench-prebuilt.tar.xz (the runner, compare, merge and the tests a GPU run
#       needs, stripped) and OUT_DIR/MANIFEST: what they were built against and need, and the
#       files' sha256.
#   prebuilt.sh check PREBUILT_DIR TORCH_LIB_DIR [LIB_DIR...]
#       Whether the binaries in PREBUILT_DIR (unpacked, with MANIFEST) can run on this machine
#       against the torch in TORCH_LIB_DIR (and the bundle's libraries in LIB_DIR): the same
#       torch version and C++ ABI, a glibc and a libstdc++ at least as new as the binaries need,
#       every shared library found. Exit 0 when they can; else 1, with one line per reason.
#
# MANIFEST lines (key=value): torch_version, cuda, cxx11_abi, glibc (the newest GLIBC_ symbol
# version the binaries use), glibcxx and cxxabi (the newest GLIBCXX_/CXXABI_ ones), built_on
# (host, glibc, compiler), revision, date; then "sha256  path" lines for the files.
set -euo pipefail
prog="prebuilt.sh"
die() { echo "$prog: $*" >&2; exit 2; }

# The files carried, relative to the build folder.
readonly FILES=(
  bench/bench bench/compare bench/merge
  tests/gpu/gpu_test
  tests/recipes/hlb/hlb_net_test tests/recipes/page/page_net_test tests/recipes/airbench/airbench_test
  tests/tools/cuda_loaded_test
)

# Newest version of a symbol-version family (GLIBC_, GLIBCXX_, CXXABI_) that FILES need.
newest_needed() {
  local family="$1"
  shift
  readelf --version-info --wide "$@" 2>/dev/null |
    grep -oE "Name: ${family}[0-9.]+" | sed "s/Name: ${family}//" | sort -uV | tail -n 1
}

# torch version and CUDA from <torch>/version.py, beside <torch>/lib.
torch_version_of() {
  local lib="$1" v
  v="$(sed -n "s/^__version__ *= *['\"]\([^'\"]*\)['\"].*/\1/p" "$lib/../version.py" 2>/dev/null | sed -n 1p)"
  echo "${v:-unknown}"
}
torch_cuda_of() {
  local lib="$1" v
  v="$(sed -n "s/^cuda *: *[^=]*= *['\"]\([^'\"]*\)['\"].*/\1/p; s/^cuda *= *['\"]\([^'\"]*\)['\"].*/\1/p" \
    "$lib/../version.py" 2>/dev/null | sed -n 1p)"
  echo "${v:-none}"
}
# 1 when libc10.so exports C++11-ABI (std::__cxx11) symbols, else 0. grep -c reads all of nm's
# output: grep -q stopped at the first match, nm's next write died of SIGPIPE and pipefail made
# the test false at random (pip torch 2.11 was packed as cxx11_abi=0 and then, on a loaded CI
# machine, refused as 1). tests/tools/shell_pipes_test.py keeps such pipes out of the scripts.
torch_abi_of() {
  if nm -D --defined-only "$1/libc10.so" 2>/dev/null | grep -c '__cxx11' >/dev/null; then echo 1; else echo 0; fi
}

cmd_pack() {
  [[ $# -eq 2 ]] || die "usage: $prog pack BUILD_DIR OUT_DIR"
  local build="$1" out="$2" f torch_lib
  [[ -f "$build/CMakeCache.txt" ]] || die "$build is not a CMake build folder"
  torch_lib="$(sed -n 's/^Torch_DIR:PATH=//p' "$build/CMakeCache.txt")/../../../lib"
  [[ -f "$torch_lib/libc10.so" ]] || die "no LibTorch lib/ found from $build's Torch_DIR"
  torch_lib="$(cd "$torch_lib" && pwd -P)"
  grep -q '^CIFARBENCH_WITH_CUDA:INTERNAL=ON' "$build/CMakeCache.txt" 2>/dev/null ||
    grep -q 'CIFARBENCH_WITH_CUDA=1' "$build/build.ninja" "$build"/core/CMakeFiles/*/flags.make 2>/dev/null ||
    die "$build was not built against a CUDA LibTorch: nothing for a GPU machine"
  for f in "${FILES[@]}"; do
    [[ -x "$build/$f" ]] || die "$build/$f is missing (build it first)"
  done
  mkdir -p "$out"
  local stage
  stage="$(mktemp -d)"
  trap 'rm -rf -- "$stage"' RETURN
  for f in "${FILES[@]}"; do
    mkdir -p "$stage/$(dirname "$f")"
    strip --strip-unneeded -o "$stage/$f" "$build/$f"
  done
  local abs=("${FILES[@]/#/$stage/}") source_root
  source_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
  {
    echo "torch_version=$(torch_version_of "$torch_lib")"
    echo "cuda=$(torch_cuda_of "$torch_lib")"
    echo "cxx11_abi=$(torch_abi_of "$torch_lib")"
    echo "glibc=$(newest_needed GLIBC_ "${abs[@]}")"
    echo "glibcxx=$(newest_needed GLIBCXX_ "${abs[@]}")"
    echo "cxxabi=$(newest_needed CXXABI_ "${abs[@]}")"
    echo "built_on=$(uname -n), $(getconf GNU_LIBC_VERSION), $(${CXX:-g++} --version | sed -n 1p)"
    echo "revision=$(git -C "$source_root" rev-parse HEAD 2>/dev/null || echo unknown)$(
      [[ -z "$(git -C "$source_root" status --porcelain --untracked-files=no 2>/dev/null)" ]] || echo ' (modified)')"
    echo "date=$(date -u +%Y-%m-%dT%H:%M:%SZ)"
    (cd "$stage" && sha256sum "${FILES[@]}")
  } >"$out/MANIFEST"
  tar -C "$stage" -cf - "${FILES[@]}" | xz -T0 -6 >"$out/cifarbench-prebuilt.tar.xz"
  cp "$out/MANIFEST" "$stage/MANIFEST"
  echo "packed ${#FILES[@]} binaries from $build: $(du -h "$out/cifarbench-prebuilt.tar.xz" | cut -f1) ($out)"
  sed -n '1,6p' "$out/MANIFEST"
}

manifest_get() { sed -n "s/^$2=//p" "$1/MANIFEST" | sed -n 1p; }
# version_ge A B: A >= B in version order.
version_ge() { [[ "$(printf '%s\n%s\n' "$1" "$2" | sort -V | sed -n 1p)" == "$2" ]]; }

cmd_check() {
  [[ $# -ge 2 ]] || die "usage: $prog check PREBUILT_DIR TORCH_LIB_DIR [LIB_DIR...]"
  local dir="$1" torch_lib="$2" reasons=() want have
  shift 2
  [[ -f "$dir/MANIFEST" ]] || { echo "no $dir/MANIFEST"; return 1; }
  (cd "$dir" && grep -E '^[0-9a-f]{64}  ' MANIFEST | sha256sum --quiet -c -) >/dev/null 2>&1 ||
    reasons+=("the files do not match MANIFEST's sha256 (damaged or not unpacked)")
  want="$(manifest_get "$dir" torch_version)" have="$(torch_version_of "$torch_lib")"
  [[ "$want" == "$have" ]] || reasons+=("built against torch $want, this machine has $have ($torch_lib)")
  want="$(manifest_get "$dir" cxx11_abi)" have="$(torch_abi_of "$torch_lib")"
  [[ "$want" == "$have" ]] || reasons+=("built with _GLIBCXX_USE_CXX11_ABI=$want, this torch has $have")
  want="$(manifest_get "$dir" glibc)"
  have="$(getconf GNU_LIBC_VERSION 2>/dev/null | awk '{ print $2 }')"
  [[ -n "$have" ]] && version_ge "$have" "$want" ||
    reasons+=("the binaries need glibc >= $want, this machine has ${have:-an unknown one}")
  local libstdcxx
  libstdcxx="$(${CXX:-g++} -print-file-name=libstdc++.so.6 2>/dev/null || true)"
  [[ -f "$libstdcxx" ]] || libstdcxx="$(ldconfig -p 2>/dev/null | awk '/libstdc\+\+\.so\.6 / { print $NF; exit }')"
  local key sym
  for key in glibcxx cxxabi; do
    sym="${key^^}_"
    want="$(manifest_get "$dir" "$key")"
    [[ -z "$want" ]] && continue
    if [[ ! -f "$libstdcxx" ]] || ! grep -qa "${sym}${want}" "$libstdcxx"; then
      reasons+=("the binaries need ${sym}${want}, which this machine's libstdc++ (${libstdcxx:-not found}) lacks")
    fi
  done
  local ld_path="$torch_lib" d f missing
  for d in "$@"; do ld_path="$ld_path:$d"; done
  for f in $(grep -E '^[0-9a-f]{64}  ' "$dir/MANIFEST" | awk '{ print $2 }'); do
    [[ -f "$dir/$f" ]] || continue
    # ldd fails on a file that is not a dynamic executable: a reason, not a silent stop.
    local lddout
    if ! lddout="$(LD_LIBRARY_PATH="$ld_path${LD_LIBRARY_PATH:+:$LD_LIBRARY_PATH}" ldd "$dir/$f" 2>&1)"; then
      reasons+=("$f: ldd cannot read it ($(tr '\n' ' ' <<<"$lddout" | cut -c1-200))")
      continue
    fi
    missing="$(awk '/not found/ { print $1 }' <<<"$lddout" | sort -u | tr '\n' ' ')"
    [[ -z "$missing" ]] || reasons+=("$f: shared libraries not found: $missing")
  done
  if [[ ${#reasons[@]} -gt 0 ]]; then
    printf '%s\n' "${reasons[@]}"
    return 1
  fi
  echo "usable: torch $(manifest_get "$dir" torch_version), glibc >= $(manifest_get "$dir" glibc), GLIBCXX_$(manifest_get "$dir" glibcxx)"
}

case "${1:-}" in
  pack) shift; cmd_pack "$@" ;;
  check) shift; cmd_check "$@" ;;
  -h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0" ;;
  *) die "usage: $prog pack BUILD_DIR OUT_DIR | check PREBUILT_DIR TORCH_LIB_DIR [LIB_DIR...]" ;;
esac
