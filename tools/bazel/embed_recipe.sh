#!/usr/bin/env bash
# Writes the C++ source that compiles a shipped recipe (a textproto) into a binary:
#
#   embed_recipe.sh NAME PLUGIN PATH SRC OUT
#
# OUT gets exactly
#   #include "core/registry.h"
#   CIFARBENCH_REGISTER_RECIPE("NAME", "PLUGIN", "PATH", R"cbrecipe(<SRC's text>)cbrecipe");
# PATH is the recipe's path in the source tree, as errors show it (recipes/hlb/hlb_record.textproto).
# Used by cifarbench_recipe_library() in tools/bazel/recipes.bzl; cmake/CifarbenchRecipes.cmake writes
# the same text.
set -euo pipefail

if [[ $# -ne 5 ]]; then
  echo "usage: $0 NAME PLUGIN PATH SRC OUT" >&2
  exit 2
fi
name="$1" plugin="$2" path="$3" src="$4" out="$5"

for v in "$name" "$plugin" "$path"; do
  if [[ ! "$v" =~ ^[A-Za-z0-9_./+-]+$ ]]; then
    echo "embed_recipe: error: '$v' must be made of letters, digits and _ . / + -" >&2
    exit 1
  fi
done
if grep -qF ')cbrecipe"' "$src"; then
  echo "embed_recipe: error: $path contains ')cbrecipe\"', which would end the raw string" >&2
  exit 1
fi

{
  printf '#include "core/registry.h"\n'
  printf 'CIFARBENCH_REGISTER_RECIPE("%s", "%s", "%s", R"cbrecipe(' "$name" "$plugin" "$path"
  cat "$src"
  printf ')cbrecipe");\n'
} >"$out"
