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
#   --xz_level=N    xz preset for the data (default 6; tests use 0, which is much faster),
#                   after a delta filter over 32 bytes (a row of a CIFAR-10 image plane: each
#                   byte minus the one above it), 9% smaller than plain xz -6 (21.2 MB a batch)
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
#   calls/1, calls/2, calls/3       the same files (hard links) staged for device calls that
#                                   carry at most 64 MiB each, source tree included: each has
#                                   bundle.txt, the SHA256SUMS files, prebuilt/ and two
#                                   batches; calls/1 the packages the prebuilt binaries load
#                                   and Boost's headers (all packages without --prebuilt),
#                                   calls/2 the rest (a build there needs them all); calls/later
#                                   neither packages nor batches, for any call after the third
#                                   (what the first three unpacked stays in the build folder).
#                                   Each call's payload is printed; over 64 MiB is an error
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
# What the prebuilt binaries load at run time (tools/gpu/prebuilt.sh checks every library is
# found): abseil's, protobuf's and OpenSSL's shared libraries. The rest is for building.
readonly RUNTIME_PACKAGES=(libabsl20220623 libprotobuf32 libssl3)
# A staged bundle's first call carries those and, to even out the calls' sizes, the largest
# build package (Boost's headers, 9.5 MB); the second call the other build packages.
readonly CALL1_PACKAGES=("${RUNTIME_PACKAGES[@]}" libboost1.74-dev)
readonly CIFAR_FILES=(data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin
                      data_batch_5.bin test_batch.bin)
# The device calls: the batches each carries (two, at 21-23 MB each, is what fits beside the
# build packages and the source tree).
readonly CALL_FILES=("data_batch_1.bin data_batch_2.bin" "data_batch_3.bin data_batch_4.bin"
                     "data_batch_5.bin test_batch.bin")
readonly CALL_LIMIT=$((64 * 1024 * 1024))

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
format="xz --delta=dist=32 --lzma2=preset=$xz_level"
section "CIFAR-10 ($format)"
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
# Files compressed another way (an older bundle's plain xz, another preset) are redone.
[[ "$(cat "$out/data/FORMAT" 2>/dev/null)" == "$format" ]] || rm -f -- "$out"/data/*.xz
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
  # shellcheck disable=SC2086  # $format is split into xz's arguments on purpose
  $format -T0 -c -- "$data_dir/$f" >"$xzf.tmp" || die "xz $f failed"
  mv -- "$xzf.tmp" "$xzf"
  echo "compressed $f.xz"
done
printf '%s' "$sums" >"$out/data/SHA256SUMS"
echo "$format" >"$out/data/FORMAT"

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
  echo "data:     $(realpath --relative-to="$source_root" "$data_dir") ($format)"
  echo "packages:"
  printf '  %s\n' "${versions[@]}"
} >"$out/bundle.txt"
cat "$out/bundle.txt"

# ------------------------------------------------------------------------------------------
section "device calls (calls/1-3, at most 64 MiB each with the source tree)"
# The source tree travels with every call: its tracked files (a call copies the working tree).
tree_bytes=0
if git -C "$source_root" rev-parse >/dev/null 2>&1; then
  tree_bytes=$(git -C "$source_root" ls-files -z | (cd "$source_root" && xargs -0 du -cb --apparent-size 2>/dev/null) |
    awk '$2 == "total" { t += $1 } END { print t + 0 }')
else
  echo "warning: no git in $source_root: the payloads below leave out the source tree" >&2
fi
rm -rf -- "$out/calls"
link() {  # link SRC DEST_DIR: a hard link where the filesystem allows, else a copy
  mkdir -p "$2"
  ln -- "$1" "$2/" 2>/dev/null || cp -- "$1" "$2/"
}
over=()
for n in 1 2 3 later; do
  c="$out/calls/$n"
  mkdir -p "$c/debs" "$c/data"
  link "$out/bundle.txt" "$c"
  link "$out/debs/SHA256SUMS" "$c/debs"
  link "$out/data/SHA256SUMS" "$c/data"
  link "$out/data/FORMAT" "$c/data"
  if [[ -d "$out/prebuilt" ]]; then
    for f in "$out"/prebuilt/*; do link "$f" "$c/prebuilt"; done
  fi
  [[ $n == later ]] && files="" || files="${CALL_FILES[$((n - 1))]}"
  for f in $files; do link "$out/data/$f.xz" "$c/data"; done
  for deb in "$out"/debs/*.deb; do
    [[ $n != later ]] || break
    name="$(basename "$deb")" first=false
    [[ " ${CALL1_PACKAGES[*]} " == *" ${name%%_*} "* ]] && first=true
    # With prebuilt binaries: call 1 the runtime packages (and Boost), call 2 the others; else
    # all of them in call 1 (the build there needs them first).
    if [[ -d "$out/prebuilt" ]]; then
      { [[ $n -eq 1 && $first == true ]] || [[ $n -eq 2 && $first == false ]]; } || continue
    else
      [[ $n -eq 1 ]] || continue
    fi
    link "$deb" "$c/debs"
  done
  bytes=$(( $(du -cb --apparent-size "$c" | tail -n 1 | cut -f1) + tree_bytes ))
  printf 'calls/%s  %s with the source tree (%s): %s\n' "$n" "$(numfmt --to=iec-i --suffix=B "$bytes")" \
    "$(numfmt --to=iec-i --suffix=B "$tree_bytes")" "$(cd "$c" && find . -type f -name '*.xz' -path './data/*' -printf '%f ' ; \
      ls debs | grep -c '\.deb$' | sed 's/$/ .debs/')"
  [[ $bytes -le $CALL_LIMIT ]] || over+=("calls/$n ($bytes bytes)")
done
[[ ${#over[@]} -eq 0 ]] || die "over the 64 MiB a device call carries: ${over[*]}"

# ------------------------------------------------------------------------------------------
section "bundle: $out"
total=0
while IFS=$'\t' read -r size path; do
  printf '%8s  %s\n' "$(numfmt --to=iec --suffix=B "$size")" "$path"
  total=$((total + size))
done < <(find "$out" -path "$out/calls" -prune -o -type f ! -name '*.tmp' -printf '%s\t%P\n' | sort -t$'\t' -k2)
printf '%8s  total\n' "$(numfmt --to=iec --suffix=B "$total")"
