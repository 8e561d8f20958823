#!/usr/bin/env bash
# The two builds declare the same tests: `bazel query 'tests(//...)'` against `ctest -N` of a
# configured CMake build folder, by test name. Deliberate differences are listed, with their
# reason, in tools/build_parity_allow.txt (at most 5); a listed name that no longer differs
# fails too, so the list cannot go stale.
#
#   tools/build_parity.sh CMAKE_BUILD_DIR [bazel startup flags...]
#   tools/build_parity.sh --runners BENCH_BINARY...
#
# --runners: each built runner's `bench --list` names exactly the recipes on disk
# (recipes/<plugin>/<name>.textproto). tests/recipes:recipe_files_test checks a test binary's
# registry; only the runner itself shows a recipe or plugin lost at its link (a missing
# alwayslink). Compiler flags are one list each in tools/bazel/copts.bzl, which CMake reads
# (cmake/CifarbenchHelpers.cmake): the warnings (CB_COPTS) and the optimised build's code
# generation (CB_OPT_FLAGS, compared below with both builds' compile commands).
set -euo pipefail

root="$(cd "$(dirname "$0")/.." && pwd -P)"
if [[ "${1:-}" == --runners ]]; then
  shift
  [[ $# -gt 0 ]] || { echo "build_parity: --runners needs at least one bench binary" >&2; exit 2; }
  on_disk="$(cd "$root/recipes" && find . -mindepth 2 -maxdepth 2 -name '*.textproto' -printf '%f\n' |
    sed 's/\.textproto$//' | sort)"
  status=0
  for runner in "$@"; do
    [[ -x "$runner" ]] || { echo "build_parity: no runner $runner" >&2; status=1; continue; }
    listed="$("$runner" --list | awk 'NR > 1 && NF == 0 { exit } NR > 1 { print $1 }' | sort)"
    if [[ "$listed" == "$on_disk" ]]; then
      echo "build_parity: $runner lists the $(wc -l <<<"$on_disk") recipes on disk"
    else
      echo "build_parity: $runner --list differs from recipes/*/*.textproto (< listed, > on disk):" >&2
      diff <(echo "$listed") <(echo "$on_disk") >&2 || true
      status=1
    fi
  done
  exit "$status"
fi
build_dir="${1:?usage: $0 CMAKE_BUILD_DIR [bazel startup flags...]}"
shift
allow="$root/tools/build_parity_allow.txt"
tmp="$(mktemp -d)"
trap 'rm -rf "$tmp"' EXIT

# LIBTORCH_HOME='' : the query loads @libtorch like the Debian leg's build, not another one.
(cd "$root" && LIBTORCH_HOME='' bazel "$@" query 'tests(//...)' 2>/dev/null) |
  sed 's/.*://' | sort -u >"$tmp/bazel"
ctest --test-dir "$build_dir" -N | sed -n 's/^ *Test *#[0-9]*: //p' | sort -u >"$tmp/cmake"
[[ -s "$tmp/bazel" && -s "$tmp/cmake" ]] || { echo "build_parity: no tests listed" >&2; exit 1; }

# Allowed: "NAME bazel|cmake REASON..." (the build that has it alone).
grep -Ev '^\s*(#|$)' "$allow" >"$tmp/allow" || true
entries=$(wc -l <"$tmp/allow")
if (( entries > 5 )); then
  echo "build_parity: $entries allowed differences in $allow; at most 5" >&2
  exit 1
fi
# Each entry names the build that has the test alone and gives its reason.
if awk '$2 != "bazel" && $2 != "cmake" || NF < 3 { print; bad = 1 } END { exit !bad }' \
  "$tmp/allow" >"$tmp/bad_entries"; then
  echo "build_parity: entries of $allow without NAME bazel|cmake REASON:" >&2
  cat "$tmp/bad_entries" >&2
  exit 1
fi
comm -23 "$tmp/bazel" "$tmp/cmake" | sed 's/$/ bazel/' >"$tmp/diff"
comm -13 "$tmp/bazel" "$tmp/cmake" | sed 's/$/ cmake/' >>"$tmp/diff"
sort -o "$tmp/diff" "$tmp/diff"
awk '{print $1, $2}' "$tmp/allow" | sort >"$tmp/allowed"
status=0
while read -r name only; do
  if ! grep -qx "$name $only" "$tmp/allowed"; then
    echo "build_parity: test '$name' is only in the $only build (declare it in both, or list it in $allow with the reason)" >&2
    status=1
  fi
done <"$tmp/diff"
while read -r name only; do
  if ! grep -qx "$name $only" "$tmp/diff"; then
    echo "build_parity: $allow lists '$name' as $only-only, but it is not (a stale entry: remove it)" >&2
    status=1
  fi
done <"$tmp/allowed"
echo "build_parity: $(wc -l <"$tmp/bazel") Bazel tests, $(wc -l <"$tmp/cmake") CMake tests, $(wc -l <"$tmp/diff") allowed difference(s)"

# One list of the optimised build's code-generation flags (CB_OPT_FLAGS, tools/bazel/copts.bzl):
# core/config.cc's compile command under Bazel's -c opt (`bazel aquery`) and in the CMake
# Release build (compile_commands.json) must hold exactly those of its -O, -g, -DNDEBUG,
# -f[no-]stack-protector*, -f[no-]omit-frame-pointer, -ffunction-sections and -fdata-sections.
(cd "$root" && LIBTORCH_HOME='' bazel "$@" aquery 'mnemonic("CppCompile", //core:config)' \
  --output=text 2>/dev/null) >"$tmp/aquery" || true
python3 - "$root/tools/bazel/copts.bzl" "$build_dir" "$tmp/aquery" <<'PY' || status=1
import json, os, re, shlex, sys
bzl, build_dir, aquery = sys.argv[1:]
block = re.search(r"\nCB_OPT_FLAGS = \[([^]]*)\]", open(bzl).read())
listed = re.findall(r'\n    "(-[^"]*)",', block.group(1)) if block else []
kind = re.compile(r"^(-O.*|-g.*|-DNDEBUG|-f(no-)?stack-protector.*|-f(no-)?omit-frame-pointer"
                  r"|-ffunction-sections|-fdata-sections)$")
def codegen(args):
    return sorted({a for a in args if kind.match(a)})
bad = False
# Bazel: the first action compiling core/config.cc.
m = re.search(r"action 'Compiling core/config\.cc'.*?Command Line: \((.*?)\)\n", open(aquery).read(), re.S)
if not m:
    print("build_parity: bazel aquery gave no compile command for core/config.cc", file=sys.stderr)
    sys.exit(1)
bazel = codegen(shlex.split(m.group(1).replace("\\\n", " ")))
cache = open(os.path.join(build_dir, "CMakeCache.txt")).read()
build_type = (re.search(r"^CMAKE_BUILD_TYPE:\w+=(.*)$", cache, re.M) or [None, ""])[1]
sides = [("Bazel -c opt", bazel)]
if build_type == "Release":
    entries = json.load(open(os.path.join(build_dir, "compile_commands.json")))
    cmd = next(e["command"] for e in entries if e["file"].endswith("/core/config.cc"))
    sides.append(("CMake Release", codegen(shlex.split(cmd))))
else:
    print("build_parity: the CMake build is %r, not Release: its flags not compared" % build_type)
for name, got in sides:
    if got != sorted(listed):
        print("build_parity: %s compiles with %s; CB_OPT_FLAGS (tools/bazel/copts.bzl) lists %s"
              % (name, " ".join(got), " ".join(sorted(listed))), file=sys.stderr)
        bad = True
if not bad:
    print("build_parity: %s compile with CB_OPT_FLAGS (%s)" % (" and ".join(n for n, _ in sides), " ".join(listed)))
sys.exit(1 if bad else 0)
PY
exit "$status"
