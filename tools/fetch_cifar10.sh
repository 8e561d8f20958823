#!/usr/bin/env bash
# Downloads the CIFAR-10 binary version into DEST_DIR and verifies it.
#
#   tools/fetch_cifar10.sh [DEST_DIR]      (default: ~/.cache/cifarbench/cifar10)
#
# DEST_DIR ends up holding data_batch_1..5.bin, test_batch.bin, batches.meta.txt (and the
# archive's readme.html) plus SHA256SUMS (`sha256sum -c SHA256SUMS` checks them). The archive's
# md5 is checked before anything is unpacked; files are unpacked into a temporary folder beside
# DEST_DIR and only then moved in, SHA256SUMS last, so DEST_DIR never holds a half-unpacked
# copy. Rerunning is safe: a DEST_DIR whose SHA256SUMS verifies is left alone.
#
# Environment (for tests and mirrors):
#   CIFAR10_URL  where to get cifar-10-binary.tar.gz: http(s)://, file:// or a local path
#   CIFAR10_MD5  the archive's expected md5 (only for tests with a fake archive)
#
# After it, point the benchmarks at the data with --data_dir=DEST_DIR or CIFAR10_DIR=DEST_DIR
# (the default DEST_DIR is searched automatically).
set -euo pipefail

readonly OFFICIAL_URL="https://www.cs.toronto.edu/~kriz/cifar-10-binary.tar.gz"
readonly OFFICIAL_MD5="c32a1d4ab5d03f1284b67883e8d87530"
readonly FILES=(data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin
                data_batch_5.bin test_batch.bin batches.meta.txt)

prog="fetch_cifar10.sh"
die() {
  echo "$prog: error: $*" >&2
  exit 1
}

case "${1:-}" in
  -h|--help)
    awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"
    exit 0
    ;;
esac
[[ $# -le 1 ]] || die "too many arguments; usage: $prog [DEST_DIR]"

if [[ $# -eq 1 ]]; then
  dest="$1"
else
  [[ -n "${HOME:-}" ]] || die "\$HOME is not set; pass DEST_DIR"
  dest="$HOME/.cache/cifarbench/cifar10"
fi
[[ -n "$dest" ]] || die "DEST_DIR is empty"
dest="${dest%/}"
[[ -n "$dest" ]] || dest="/"
url="${CIFAR10_URL:-$OFFICIAL_URL}"
md5="${CIFAR10_MD5:-$OFFICIAL_MD5}"

for tool in md5sum sha256sum tar gzip mktemp; do
  command -v "$tool" >/dev/null 2>&1 || die "'$tool' is needed but not installed"
done

# Already there and intact: nothing to do.
already_complete() {
  [[ -f "$dest/SHA256SUMS" ]] || return 1
  local f
  for f in "${FILES[@]}"; do
    [[ -f "$dest/$f" ]] || return 1
    grep -q "  $f\$" "$dest/SHA256SUMS" || return 1
  done
  (cd "$dest" && sha256sum --quiet -c SHA256SUMS >/dev/null 2>&1)
}
if already_complete; then
  echo "$prog: $dest already holds CIFAR-10 and its SHA256SUMS verifies; nothing to do"
  echo "$prog: use it with --data_dir=$dest or CIFAR10_DIR=$dest"
  exit 0
fi
if [[ -e "$dest" && ! -d "$dest" ]]; then
  die "$dest exists and is not a folder"
fi
if [[ -n "${CIFAR10_MD5:-}" && "$md5" != "$OFFICIAL_MD5" ]]; then
  echo "$prog: note: CIFAR10_MD5 overrides the official md5 (meant for tests only)" >&2
fi

# The temporary folder sits beside DEST_DIR so that the final moves are renames on one file
# system; it is removed on any exit.
parent="$(dirname -- "$dest")"
mkdir -p -- "$parent" || die "cannot create $parent"
tmp="$(mktemp -d "$parent/.fetch_cifar10.XXXXXX")" || die "cannot create a temporary folder in $parent"
trap 'rm -rf -- "$tmp"' EXIT
trap 'exit 130' INT TERM

archive="$tmp/cifar-10-binary.tar.gz"
echo "$prog: downloading $url"
case "$url" in
  http://*|https://*|ftp://*)
    if command -v curl >/dev/null 2>&1; then
      curl -fL --retry 3 --connect-timeout 30 -o "$archive" "$url" ||
        die "download failed: curl could not fetch $url (no internet access? a proxy? set CIFAR10_URL to a mirror or a local copy of cifar-10-binary.tar.gz)"
    elif command -v wget >/dev/null 2>&1; then
      wget --tries=3 -O "$archive" "$url" ||
        die "download failed: wget could not fetch $url (no internet access? a proxy? set CIFAR10_URL to a mirror or a local copy of cifar-10-binary.tar.gz)"
    else
      die "neither curl nor wget is installed; install one, or download $url elsewhere and set CIFAR10_URL to its local path"
    fi
    ;;
  file://*)
    src="${url#file://}"
    [[ -f "$src" ]] || die "$url: no such file"
    cp -- "$src" "$archive" || die "cannot copy $src"
    ;;
  *://*)
    die "unsupported URL scheme in $url (use http(s)://, file:// or a local path)"
    ;;
  *)
    [[ -f "$url" ]] || die "$url: no such file (CIFAR10_URL may be a URL or a local path)"
    cp -- "$url" "$archive" || die "cannot copy $url"
    ;;
esac

got_md5="$(md5sum "$archive" | cut -d' ' -f1)"
if [[ "$got_md5" != "$md5" ]]; then
  die "md5 mismatch for $url: got $got_md5, expected $md5; the download is corrupt, incomplete or not cifar-10-binary.tar.gz. Nothing was written to $dest; rerun to download again"
fi
echo "$prog: md5 ok ($got_md5)"

mkdir "$tmp/unpacked"
tar -xzf "$archive" -C "$tmp/unpacked" || die "cannot unpack $url (md5 matched, yet tar failed: disk full?)"
src_dir="$tmp/unpacked/cifar-10-batches-bin"
[[ -d "$src_dir" ]] || die "the archive has no cifar-10-batches-bin/ folder; is $url the binary version (cifar-10-binary.tar.gz)?"
for f in "${FILES[@]}"; do
  [[ -f "$src_dir/$f" ]] || die "the archive's cifar-10-batches-bin/ has no $f"
done
(cd "$src_dir" && sha256sum -- "${FILES[@]}" >"$tmp/SHA256SUMS") || die "cannot compute SHA256SUMS"
rm -f -- "$archive"

if [[ ! -d "$dest" ]] || [[ -z "$(ls -A -- "$dest")" ]]; then
  # A fresh (or empty) DEST_DIR: one rename puts everything in place.
  mv -- "$tmp/SHA256SUMS" "$src_dir/SHA256SUMS"
  rmdir -- "$dest" 2>/dev/null || true
  mv -T -- "$src_dir" "$dest" || die "cannot move the files into $dest"
else
  # An existing DEST_DIR (an earlier, broken copy): drop its SHA256SUMS first, move each file in
  # with a rename, and write SHA256SUMS last, so it only verifies once every file is in place.
  rm -f -- "$dest/SHA256SUMS"
  for f in "$src_dir"/*; do
    mv -f -- "$f" "$dest/" || die "cannot move $(basename -- "$f") into $dest"
  done
  mv -- "$tmp/SHA256SUMS" "$dest/SHA256SUMS.tmp"
  mv -f -- "$dest/SHA256SUMS.tmp" "$dest/SHA256SUMS"
fi

(cd "$dest" && sha256sum --quiet -c SHA256SUMS) || die "$dest: SHA256SUMS does not verify after unpacking"
echo "$prog: CIFAR-10 is in $dest (SHA256SUMS written)"
echo "$prog: use it with --data_dir=$dest or CIFAR10_DIR=$dest"
