#!/usr/bin/env bash
# Bundles what an offline GPU machine needs to build and benchmark cifarbench with CMake, beyond
# what such a machine has (pip PyTorch with CUDA, python3, cmake, ninja, g++): Debian 12's
# abseil, protobuf and GoogleTest packages, and CIFAR-10. Run it on a Debian 12 (amd64) machine
# with access to Debian's archive; carry OUT_DIR and the source tree over; run tools/gpu/run.sh.
#
#   tools/gpu/bundle.sh OUT_DIR [--data_dir=DIR] [--xz_level=0-9] [--prebuilt=BUILD_DIR]
#
#   --data_dir=DIR  the CIFAR-10 binary folder (data_batch_1..5.bin, test_batch.bin); default
#                   $CIFAR10_DIR, else ../shared/cifar10 beside the source tree (the runner's order)
#   --xz_level=N    xz preset for the data (default 6; tests use 0, which is much faster)
#   --prebuilt=DIR  also carry binaries from DIR, a CMake build made here against the GPU
#                   machine's pip torch (tools/gpu/prebuilt.sh pack): prebuilt/ below. run.sh
#                   then uses them when they fit that machine, and builds there otherwise
#
# OUT_DIR ends up holding
#   debs/*.deb, debs/SHA256SUMS     the packages below (`apt-get download`; no root needed)
#   data/*.bin.xz, data/SHA256SUMS  the six batches, xz-compressed; SHA256SUMS of the
#                                   uncompressed files (run.sh checks them after unpacking)
#   prebuilt/cifarbench-prebuilt.tar.xz, prebuilt/MANIFEST   with --prebuilt (xz, stripped)
#   bundle.txt                      what was bundled, from where, when
# and the files and their sizes are printed last. Rerunning is safe: a .deb whose sha256 is the
# archive's and a .xz that decompresses to the right sha256 are kept; anything else is redone.
#
# Exit status: 0 done; 1 a step failed (named); 2 bad usage; 3 Debian's archive could not be
# reached (apt-get download failed for lack of network; tests may skip on this).
set -euo pipefail

# The packages the CMake build needs beyond LibTorch, found by unpacking them into an empty
# prefix and configuring the build against it with CMake's system paths turned off (see
# cmake/CifarbenchDeps.cmake). Not needed: zlib1g-dev (nothing links -lz; libprotobuf.so.32's
# libz.so.1 is on every system), libprotobuf-lite32 (nothing links protobuf-lite), googletest
# (sources only; libgtest-dev ships the built libraries).
readonly PACKAGES=(
  libabsl-dev libabsl20220623                            # abseil: headers + CMake config, .so
  libprotobuf-dev libprotobuf32                          # protobuf: headers, libprotobuf.so
  protobuf-compiler libprotoc32                          # protoc and its library
  libgtest-dev libgmock-dev                              # GoogleTest/GMock: static libs, config
  libboost1.74-dev                                       # Boost.Math headers (core/stats)
  libssl-dev libssl3                                     # OpenSSL: headers, libcrypto (core/sha256)
)
readonly CIFAR_FILES=(data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin
                      data_batch_5.bin test_batch.bin)

prog="bundle.sh"
step="arguments"
section() {
  step="$*"
  printf '\n==== %s ====\n' "$*"
}
die() {
  echo "$prog: error in step '$step': $*" >&2
  exit 1
}
usage() {
  awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
}

source_root="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd -P)"
out="" data_dir="" xz_level=6 prebuilt_from=""
for arg in "$@"; do
  case "$arg" in
    -h | --help) usage; exit 0 ;;
    --data_dir=*) data_dir="${arg#*=}" ;;
    --xz_level=*) xz_level="${arg#*=}" ;;
    --prebuilt=*) prebuilt_from="${arg#*=}" ;;
    -*) echo "$prog: unknown option $arg (see --help)" >&2; exit 2 ;;
    *)
      [[ -z "$out" ]] || { echo "$prog: one OUT_DIR only (see --help)" >&2; exit 2; }
      out="$arg"
      ;;
  esac
done
[[ -n "$out" ]] || { echo "$prog: usage: $prog OUT_DIR [--data_dir=DIR] [--xz_level=N]" >&2; exit 2; }
[[ "$xz_level" =~ ^[0-9]$ ]] || { echo "$prog: --xz_level must be 0-9, got '$xz_level'" >&2; exit 2; }

# ------------------------------------------------------------------------------------------
section "tools"
for tool in apt-get apt-cache dpkg xz sha256sum numfmt; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is needed (a Debian 12 machine)"
done
mkdir -p "$out/debs" "$out/data"
out="$(cd "$out" && pwd -P)"
arch="$(dpkg --print-architecture)"
echo "bundle: $out (Debian $(cat /etc/debian_version 2>/dev/null || echo '?'), $arch)"
[[ "$arch" == amd64 ]] || echo "warning: these are $arch packages; GPU machines are usually amd64" >&2

# ------------------------------------------------------------------------------------------
section "Debian packages (apt-get download)"
# The archive's sha256 of PKG's candidate version, from apt's (signed) lists.
archive_sha256() {
  apt-cache show --no-all-versions "$1" 2>/dev/null | awk '/^SHA256: / { print $2; exit }'
}
versions=()
for pkg in "${PACKAGES[@]}"; do
  want="$(archive_sha256 "$pkg")"
  [[ -n "$want" ]] || die "apt knows no package $pkg (run 'apt-get update' once, as root)"
  kept=""
  for f in "$out/debs/${pkg}"_*.deb; do
    [[ -f "$f" ]] || continue
    if [[ -z "$kept" && "$(sha256sum "$f" | cut -d' ' -f1)" == "$want" ]]; then
      kept="$f"
    else
      rm -f -- "$f"  # another version, or damaged
    fi
  done
  if [[ -n "$kept" ]]; then
    echo "kept       $(basename "$kept")"
  else
    tmp="$(mktemp -d "$out/debs/.download.XXXXXX")"
    chmod 755 "$tmp"  # apt's _apt user downloads into it when it can
    if ! log="$(cd "$tmp" && apt-get download -q "$pkg" 2>&1)"; then
      rm -rf -- "$tmp"
      echo "$log" >&2
      if grep -qiE 'resolv|connect|unreachable|timed out' <<<"$log"; then
        echo "$prog: error in step '$step': cannot reach Debian's archive (no network?)" >&2
        exit 3
      fi
      grep -q '404' <<<"$log" && die "apt-get download $pkg: not in the archive (stale lists? run 'apt-get update')"
      die "apt-get download $pkg failed"
    fi
    got=("$tmp"/*.deb)
    [[ ${#got[@]} -eq 1 && -f "${got[0]}" ]] || die "apt-get download $pkg gave ${got[*]}"
    kept="$out/debs/$(basename "${got[0]}")"
    mv -- "${got[0]}" "$kept"
    rm -rf -- "$tmp"
    [[ "$(sha256sum "$kept" | cut -d' ' -f1)" == "$want" ]] ||
      die "$(basename "$kept"): sha256 differs from the archive's"
    echo "downloaded $(basename "$kept")"
  fi
  versions+=("$pkg $(dpkg-deb -f "$kept" Version)")
done
# Packages of an older bundle that are no longer needed.
for f in "$out/debs"/*.deb; do
  name="$(basename "$f")"
  [[ " ${PACKAGES[*]} " == *" ${name%%_*} "* ]] || { echo "removed    $name"; rm -f -- "$f"; }
done
(cd "$out/debs" && sha256sum -- *.deb >SHA256SUMS.tmp && mv SHA256SUMS.tmp SHA256SUMS)

# ------------------------------------------------------------------------------------------
section "CIFAR-10 (xz -$xz_level)"
if [[ -z "$data_dir" ]]; then
  if [[ -n "${CIFAR10_DIR:-}" ]]; then
    data_dir="$CIFAR10_DIR"
  else
    data_dir="$source_root/../shared/cifar10"
  fi
fi
[[ -d "$data_dir" ]] || die "no CIFAR-10 folder $data_dir (pass --data_dir=DIR or set CIFAR10_DIR)"
data_dir="$(cd "$data_dir" && pwd -P)"
echo "from $data_dir"
sums=""
for f in "${CIFAR_FILES[@]}"; do
  [[ -f "$data_dir/$f" ]] || die "$data_dir has no $f"
  sum="$(sha256sum "$data_dir/$f" | cut -d' ' -f1)"
  # The source folder's own SHA256SUMS (tools/fetch_cifar10.sh writes one) catches a damaged copy.
  if [[ -f "$data_dir/SHA256SUMS" ]] && grep -q "  $f\$" "$data_dir/SHA256SUMS"; then
    grep -q "^$sum  $f\$" "$data_dir/SHA256SUMS" || die "$data_dir/$f does not match its SHA256SUMS"
  fi
  sums+="$sum  $f"$'\n'
  xzf="$out/data/$f.xz"
  if [[ -f "$xzf" ]] && [[ "$(xz -dc -- "$xzf" 2>/dev/null | sha256sum | cut -d' ' -f1)" == "$sum" ]]; then
    echo "kept       $f.xz"
    continue
  fi
  xz -T0 "-$xz_level" -c -- "$data_dir/$f" >"$xzf.tmp" || die "xz $f failed"
  mv -- "$xzf.tmp" "$xzf"
  echo "compressed $f.xz"
done
printf '%s' "$sums" >"$out/data/SHA256SUMS"

# ------------------------------------------------------------------------------------------
if [[ -n "$prebuilt_from" ]]; then
  section "prebuilt binaries (tools/gpu/prebuilt.sh pack $prebuilt_from)"
  rm -rf -- "$out/prebuilt"
  bash "$source_root/tools/gpu/prebuilt.sh" pack "$prebuilt_from" "$out/prebuilt" ||
    die "could not pack the binaries of $prebuilt_from"
elif [[ -d "$out/prebuilt" ]]; then
  echo "removed    prebuilt/ (an older bundle's; pass --prebuilt=BUILD_DIR to carry binaries)"
  rm -rf -- "$out/prebuilt"
fi

# ------------------------------------------------------------------------------------------
section "manifest"
{
  echo "cifarbench GPU bundle (tools/gpu/bundle.sh); run on the GPU machine, from the source tree:"
  echo "  tools/gpu/run.sh --bundle=<this folder> --out=<results folder>"
  echo
  echo "created:  $(date -u +%Y-%m-%dT%H:%M:%SZ) on $(uname -n)"
  echo "debian:   $(cat /etc/debian_version 2>/dev/null || echo '?') ($arch)"
  echo "source:   $(git -C "$source_root" rev-parse HEAD 2>/dev/null || echo 'no git')"
  # Relative to the source tree (e.g. ../shared/cifar10), so the record names no machine path.
  echo "data:     $(realpath --relative-to="$source_root" "$data_dir") (xz -$xz_level)"
  echo "packages:"
  printf '  %s\n' "${versions[@]}"
} >"$out/bundle.txt"
cat "$out/bundle.txt"

# ------------------------------------------------------------------------------------------
section "bundle: $out"
total=0
while IFS=$'\t' read -r size path; do
  printf '%8s  %s\n' "$(numfmt --to=iec --suffix=B "$size")" "$path"
  total=$((total + size))
done < <(find "$out" -type f ! -name '*.tmp' -printf '%s\t%P\n' | sort -t$'\t' -k2)
printf '%8s  total\n' "$(numfmt --to=iec --suffix=B "$total")"
