#!/usr/bin/env bash
# Tests tools/fetch_cifar10.sh offline with a small fake archive.
#
#   tests/tools/fetch_cifar10_test.sh [PATH_TO_fetch_cifar10.sh]
#
# Without an argument the script is looked for in the runfiles (bazel test) or beside this file
# in the source tree. Exits non-zero if any case fails.
set -uo pipefail

script="${1:-}"
if [[ -z "$script" ]]; then
  for candidate in \
      "${TEST_SRCDIR:-/nonexistent}/${TEST_WORKSPACE:-_main}/tools/fetch_cifar10.sh" \
      "$(dirname -- "${BASH_SOURCE[0]}")/../../tools/fetch_cifar10.sh"; do
    if [[ -f "$candidate" ]]; then
      script="$candidate"
      break
    fi
  done
fi
if [[ -z "$script" || ! -f "$script" ]]; then
  echo "fetch_cifar10_test: cannot find tools/fetch_cifar10.sh (pass its path as the argument)" >&2
  exit 1
fi

work="$(mktemp -d "${TEST_TMPDIR:-${TMPDIR:-/tmp}}/fetch_cifar10_test.XXXXXX")"
trap 'rm -rf -- "$work"' EXIT

passed=0
failed=0
current=""
fail() {
  echo "FAIL [$current]: $*" >&2
  failed=$((failed + 1))
}
# Runs a case function; it returns non-zero (after calling fail) on failure.
run_case() {
  current="$1"
  echo "--- $current"
  if "$1"; then
    echo "PASS [$current]"
    passed=$((passed + 1))
  fi
}

# The fake archive: cifar-10-batches-bin/ with small, distinct files (and a readme.html, like the
# real one).
files=(data_batch_1.bin data_batch_2.bin data_batch_3.bin data_batch_4.bin data_batch_5.bin
       test_batch.bin batches.meta.txt)
mkdir -p "$work/src/cifar-10-batches-bin"
for i in 1 2 3 4 5; do
  head -c $((3073 * 2)) /dev/urandom >"$work/src/cifar-10-batches-bin/data_batch_$i.bin"
done
head -c 3073 /dev/urandom >"$work/src/cifar-10-batches-bin/test_batch.bin"
printf 'airplane\nautomobile\nbird\ncat\ndeer\ndog\nfrog\nhorse\nship\ntruck\n\n' \
  >"$work/src/cifar-10-batches-bin/batches.meta.txt"
echo '<html>fake</html>' >"$work/src/cifar-10-batches-bin/readme.html"
archive="$work/cifar-10-binary.tar.gz"
tar -czf "$archive" -C "$work/src" cifar-10-batches-bin
archive_md5="$(md5sum "$archive" | cut -d' ' -f1)"
wrong_md5="0123456789abcdef0123456789abcdef"

# Checks that $1 holds every file, identical to the fake ones, and a SHA256SUMS that verifies.
check_dest() {
  local dest="$1" f
  for f in "${files[@]}"; do
    if ! cmp -s "$work/src/cifar-10-batches-bin/$f" "$dest/$f"; then
      fail "$dest/$f is missing or differs from the archive's"
      return 1
    fi
    if ! grep -q "^[0-9a-f]\{64\}  $f\$" "$dest/SHA256SUMS" 2>/dev/null; then
      fail "$dest/SHA256SUMS has no line for $f"
      return 1
    fi
  done
  if ! (cd "$dest" && sha256sum -c SHA256SUMS >/dev/null); then
    fail "sha256sum -c SHA256SUMS fails in $dest"
    return 1
  fi
  local leftover
  for leftover in "$(dirname -- "$dest")"/.fetch_cifar10.*; do
    if [[ -e "$leftover" ]]; then
      fail "a temporary folder was left beside $dest: $leftover"
      return 1
    fi
  done
}

case_success_local_path() {
  local dest="$work/out1/cifar10"
  if ! CIFAR10_URL="$archive" CIFAR10_MD5="$archive_md5" bash "$script" "$dest" >"$work/log" 2>&1; then
    fail "non-zero exit with the right md5; output:"; cat "$work/log" >&2
    return 1
  fi
  check_dest "$dest"
}

case_success_file_url() {
  local dest="$work/out2/cifar10"
  if ! CIFAR10_URL="file://$archive" CIFAR10_MD5="$archive_md5" bash "$script" "$dest" >"$work/log" 2>&1; then
    fail "non-zero exit with a file:// URL; output:"; cat "$work/log" >&2
    return 1
  fi
  check_dest "$dest"
}

case_default_dest_is_home_cache() {
  local home="$work/home"
  mkdir -p "$home"
  if ! HOME="$home" CIFAR10_URL="$archive" CIFAR10_MD5="$archive_md5" bash "$script" >"$work/log" 2>&1; then
    fail "non-zero exit without DEST_DIR; output:"; cat "$work/log" >&2
    return 1
  fi
  check_dest "$home/.cache/cifarbench/cifar10"
}

case_rerun_is_safe() {
  local dest="$work/out3/cifar10"
  CIFAR10_URL="$archive" CIFAR10_MD5="$archive_md5" bash "$script" "$dest" >"$work/log" 2>&1 || {
    fail "first run failed"; cat "$work/log" >&2; return 1; }
  # A complete folder: the second run does nothing, even with an archive it cannot get.
  if ! CIFAR10_URL="$work/absent.tar.gz" CIFAR10_MD5="$archive_md5" bash "$script" "$dest" >"$work/log" 2>&1; then
    fail "rerun on a complete folder failed; output:"; cat "$work/log" >&2
    return 1
  fi
  grep -q "nothing to do" "$work/log" || { fail "rerun did not say 'nothing to do'"; return 1; }
  # A broken copy (one file truncated): the rerun repairs it.
  : >"$dest/data_batch_3.bin"
  if ! CIFAR10_URL="$archive" CIFAR10_MD5="$archive_md5" bash "$script" "$dest" >"$work/log" 2>&1; then
    fail "rerun on a broken folder failed; output:"; cat "$work/log" >&2
    return 1
  fi
  check_dest "$dest"
}

case_wrong_md5() {
  local dest="$work/out4/cifar10"
  if CIFAR10_URL="$archive" CIFAR10_MD5="$wrong_md5" bash "$script" "$dest" >"$work/log" 2>&1; then
    fail "exit status 0 with a wrong md5"
    return 1
  fi
  if ! grep -qi "md5" "$work/log"; then
    fail "the error does not mention md5; output:"; cat "$work/log" >&2
    return 1
  fi
  echo "  (error: $(grep -i 'error' "$work/log"))"
  if [[ -e "$dest" ]]; then
    fail "$dest was created by a run with a wrong md5"
    return 1
  fi
  if [[ -n "$(ls -A "$work/out4")" ]]; then
    fail "files were left beside $dest: $(ls -A "$work/out4")"
    return 1
  fi
}

case_wrong_md5_keeps_existing_dest() {
  local dest="$work/out5/cifar10"
  mkdir -p "$dest"
  echo keep >"$dest/note.txt"
  if CIFAR10_URL="$archive" CIFAR10_MD5="$wrong_md5" bash "$script" "$dest" >"$work/log" 2>&1; then
    fail "exit status 0 with a wrong md5"
    return 1
  fi
  if [[ "$(ls -A "$dest")" != "note.txt" ]]; then
    fail "$dest was changed by a run with a wrong md5: $(ls -A "$dest")"
    return 1
  fi
}

case_missing_archive() {
  local dest="$work/out6/cifar10"
  if CIFAR10_URL="$work/absent.tar.gz" bash "$script" "$dest" >"$work/log" 2>&1; then
    fail "exit status 0 without an archive"
    return 1
  fi
  grep -q "absent.tar.gz: no such file" "$work/log" || {
    fail "unclear error; output:"; cat "$work/log" >&2; return 1; }
  [[ ! -e "$dest" ]] || { fail "$dest was created"; return 1; }
}

run_case case_success_local_path
run_case case_success_file_url
run_case case_default_dest_is_home_cache
run_case case_rerun_is_safe
run_case case_wrong_md5
run_case case_wrong_md5_keeps_existing_dest
run_case case_missing_archive

echo "fetch_cifar10_test: $passed passed, $failed failed"
[[ $failed -eq 0 ]]
