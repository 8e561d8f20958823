#!/usr/bin/env bash
# Runs a shipped recipe with the runner: the script behind every //recipes:<recipe> target.
#
#   bazel run //recipes:hlb_record -- --runs=3
#     == bench --recipe=hlb_record --runs=3
#
# Bazel passes "$(rootpath //bench)" and "--recipe=<recipe>" first (the sh_binary's args).
# Run directly (bazel-bin/recipes/hlb_record --runs=3), it has no such args: the runner is
# then found in its runfiles as bench/bench, and the recipe is this script's name.
# The runner starts in the folder `bazel run` was called from (BUILD_WORKING_DIRECTORY), so
# relative --out paths land there.
set -euo pipefail

workspace=cifarbench
bin_rel=""
recipe_arg=()
if [[ $# -gt 0 && ("$1" == bench/bench || "$1" == */bench/bench) ]]; then
  bin_rel="$1"
  shift
else
  bin_rel="bench/bench"
  recipe_arg=("--recipe=$(basename "$0")")
fi

find_runner() {
  local rel="$1" dir self
  case "$rel" in
    /*) [[ -x "$rel" ]] && { echo "$rel"; return 0; } ;;
  esac
  # ../<repo>/path is how rootpath names files from other repositories.
  local in_runfiles="$workspace/$rel"
  [[ "$rel" == ../* ]] && in_runfiles="${rel#../}"
  if [[ -n "${RUNFILES_DIR:-}" && -x "$RUNFILES_DIR/$in_runfiles" ]]; then
    echo "$RUNFILES_DIR/$in_runfiles"
    return 0
  fi
  # <script>.runfiles next to the script, also when $0 is a symlink into another tree.
  for self in "$0" "$(readlink -f "$0" 2>/dev/null || true)"; do
    [[ -n "$self" ]] || continue
    if [[ -x "$self.runfiles/$in_runfiles" ]]; then
      echo "$self.runfiles/$in_runfiles"
      return 0
    fi
    # The script itself inside a runfiles tree: .../x.runfiles/cifarbench/recipes/<recipe>.
    dir="$(dirname "$self")"
    while [[ "$dir" != / && "$dir" != . ]]; do
      if [[ "$dir" == *.runfiles && -x "$dir/$in_runfiles" ]]; then
        echo "$dir/$in_runfiles"
        return 0
      fi
      dir="$(dirname "$dir")"
    done
  done
  # A runfiles manifest only (no runfiles tree).
  local manifest="${RUNFILES_MANIFEST_FILE:-}"
  [[ -z "$manifest" && -f "$0.runfiles_manifest" ]] && manifest="$0.runfiles_manifest"
  if [[ -n "$manifest" && -f "$manifest" ]]; then
    local hit
    hit="$(awk -v k="$in_runfiles" '$1 == k { print $2; exit }' "$manifest")"
    if [[ -n "$hit" && -x "$hit" ]]; then
      echo "$hit"
      return 0
    fi
  fi
  # bazel run starts us in the runfiles tree's workspace folder.
  if [[ -x "$rel" ]]; then
    echo "$(pwd -P)/$rel"
    return 0
  fi
  return 1
}

if ! runner="$(find_runner "$bin_rel")"; then
  echo "run_recipe: error: cannot find the runner ($bin_rel) in this target's runfiles" \
    "(RUNFILES_DIR=${RUNFILES_DIR:-unset}, script $0). Build it with: bazel build //bench" >&2
  exit 1
fi
case "$runner" in
  /*) ;;
  *) runner="$(pwd -P)/$runner" ;;
esac

if [[ -n "${BUILD_WORKING_DIRECTORY:-}" ]]; then
  cd "$BUILD_WORKING_DIRECTORY"
fi
exec "$runner" ${recipe_arg[@]+"${recipe_arg[@]}"} "$@"
