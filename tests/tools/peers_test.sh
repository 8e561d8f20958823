#!/usr/bin/env bash
# Runs tests/tools/peers_test.py (or peers_real_test.py with --real) with python3, or with
# $CIFARBENCH_TEST_PYTHON (CI's cmake-pip leg passes pip torch's venv, so that the data-cache and
# Normalize tests run there rather than skip), from the runfiles (bazel test) or the source
# tree (ctest). Arguments go on to the Python test.
#
#   tests/tools/peers_test.sh [--real] --compare=PATH_TO_COMPARE_BINARY
set -euo pipefail
here="$(dirname -- "$(readlink -f -- "${BASH_SOURCE[0]}")")"
test="$here/peers_test.py"
if [[ "${1:-}" == "--real" ]]; then
  test="$here/peers_real_test.py"
  shift
fi
args=()
for a in "$@"; do
  # $(location) paths are relative to the runfiles' root; make them absolute.
  if [[ "$a" == --compare=* && "${a#--compare=}" != /* ]]; then a="--compare=$PWD/${a#--compare=}"; fi
  args+=("$a")
done
exec "${CIFARBENCH_TEST_PYTHON:-python3}" "$test" "${args[@]}"
