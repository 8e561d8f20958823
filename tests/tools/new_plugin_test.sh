#!/usr/bin/env bash
# Adding a plugin is one folder. This test adds a throwaway plugin inside the real source tree
# (recipes/zz_throwaway/: a settings message, its load-time check, the plugin, one recipe),
# builds the runner with the existing build, checks that the runner lists, describes, checks,
# prints and runs it, and that nothing outside the folder changed; then it removes the folder
# (also on failure) and rebuilds, and the plugin is gone.
#
#   tests/tools/new_plugin_test.sh bazel [extra bazel build flags...]
#   tests/tools/new_plugin_test.sh cmake BUILD_DIR
#
# Needs CIFAR10_DIR (the run reads 512 training and 200 test images). tools/test_all.sh runs it
# in the bazel-debian and cmake-pip legs.
set -euo pipefail

root="$(cd "$(dirname "$0")/../.." && pwd -P)"
mode="${1:?usage: $0 bazel [flags...] | cmake BUILD_DIR}"
shift
name=zz_throwaway
dir="$root/recipes/$name"
fail() { echo "new_plugin_test: FAIL: $*" >&2; exit 1; }
[[ -n "${CIFAR10_DIR:-}" ]] || fail "CIFAR10_DIR is not set"
[[ ! -e "$dir" ]] || fail "$dir exists already (left by an earlier run? remove it)"

case "$mode" in
  bazel)
    build() { (cd "$root" && bazel build "$@" //bench >/dev/null 2>&1) || (cd "$root" && bazel build "$@" //bench); }
    bench="$(cd "$root" && bazel info "$@" bazel-bin 2>/dev/null)/bench/bench"
    ;;
  cmake)
    build_dir="${1:?cmake needs the build folder}"
    shift
    build() { cmake --build "$build_dir" --target bench >/dev/null 2>&1 || cmake --build "$build_dir" --target bench; }
    bench="$build_dir/bench/bench"
    ;;
  *) fail "mode must be bazel or cmake, got '$mode'" ;;
esac

tree_state() { (cd "$root" && git status --porcelain --untracked-files=all -- . ":!recipes/$name" | sort); }
before="$(tree_state)"
cleanup() { rm -rf "$dir"; }
trap cleanup EXIT

mkdir "$dir"
cat > "$dir/$name.proto" <<'PROTO'
syntax = "proto3";
package cifarbench.zz_throwaway;
import "proto/blocks.proto";
message ZzThrowawaySettings {
  optional double factor = 1;
  cifarbench.v1.SgdGroupConfig group = 2;
}
PROTO
cat > "$dir/${name}_settings.cc" <<'CC'
#include "core/registry.h"
#include "core/validation.h"
#include "recipes/zz_throwaway/zz_throwaway.pb.h"
namespace {
void Check(const cifarbench::v1::RecipeConfig&,
           const cifarbench::zz_throwaway::ZzThrowawaySettings& s, cifarbench::Validator& v) {
  v.Positive("factor", s.factor());
  cifarbench::CheckSgdGroup(s.group(), "group", v);
}
}  // namespace
CIFARBENCH_REGISTER_SETTINGS("zz_throwaway", cifarbench::zz_throwaway::ZzThrowawaySettings, Check);
CC
cat > "$dir/$name.cc" <<'CC'
#include <ATen/ATen.h>
#include "core/plugin.h"
#include "core/settings.h"
#include "recipes/zz_throwaway/zz_throwaway.pb.h"
namespace {
// Reports factor x the fraction of test labels that are 0: proof that the settings and the
// data reached Run.
class ZzThrowaway : public cifarbench::Plugin {
 public:
  absl::Status Run(const cifarbench::v1::RecipeConfig& config, const cifarbench::RunInputs& inputs,
                   cifarbench::v1::RunReport* report) override {
    auto s = cifarbench::PluginSettings<cifarbench::zz_throwaway::ZzThrowawaySettings>(config);
    if (!s.ok()) return s.status();
    const double fraction = (inputs.data->test_labels == 0).to(at::kDouble).mean().item<double>();
    report->set_headline_accuracy(s->factor() * fraction);
    report->set_live_accuracy(s->factor() * fraction);
    report->set_status(cifarbench::v1::RUN_STATUS_OK);
    return absl::OkStatus();
  }
  cifarbench::NetworkHandle BuildNetwork(const cifarbench::v1::RecipeConfig&) override { return {}; }
};
}  // namespace
CIFARBENCH_REGISTER_PLUGIN("zz_throwaway", ZzThrowaway, "throwaway plugin of new_plugin_test.sh");
CC
cat > "$dir/${name}_tiny.textproto" <<'TEXT'
name: "zz_throwaway_tiny"
plugin: "zz_throwaway"
description: "the throwaway plugin's recipe"
data { train_subset: 512 test_subset: 200 }
train { batch_size: 128 epochs: 1 }
eval { headline_network: EVAL_NETWORK_LIVE headline_tta: TTA_NONE batch_size: 200 }
precision: PRECISION_FP32
runs: 1
target_accuracy: 0.05
zz_throwaway { factor: 0.5 group { lr: 0.1 } }
TEXT

echo "new_plugin_test ($mode): building with recipes/$name/ added"
build "$@"
out="$("$bench" --list)"
grep -Eq "^${name}_tiny +$name +the throwaway plugin's recipe" <<<"$out" || fail "--list: $out"
grep -Eq "^$name +throwaway plugin" <<<"$out" || fail "--list (plugins): $out"
out="$("$bench" --describe=$name)"
grep -q "factor: double" <<<"$out" || fail "--describe: $out"
out="$("$bench" --recipe=${name}_tiny --print_config --set $name.factor=2)"
grep -q "factor: 2" <<<"$out" || fail "--print_config: $out"
rc=0
out="$("$bench" --recipe=${name}_tiny --print_config --set $name.factor=-1 2>&1)" || rc=$?
[[ $rc -eq 2 ]] || fail "a bad setting exited $rc, not 2: $out"
grep -q "zz_throwaway.factor must be > 0, got -1" <<<"$out" || fail "bad setting: $out"
report="$(mktemp -d)/r.json"
"$bench" --recipe=${name}_tiny --device=cpu --data_dir="$CIFAR10_DIR" --out="$report" >/dev/null
python3 - "$report" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))["runs"][0]
assert r["status"] == "RUN_STATUS_OK", r["status"]
# 0.5 x the fraction of 0 labels among the first 200 test images (about 0.1)
assert 0.0 < r["headline_accuracy"] < 0.25, r["headline_accuracy"]
assert "zz_throwaway {" in r["config_text"], r["config_text"]
PY
[[ "$(tree_state)" == "$before" ]] || fail "adding the plugin changed files outside recipes/$name/"

cleanup
echo "new_plugin_test ($mode): rebuilding with recipes/$name/ removed"
build "$@"
if "$bench" --list | grep -c "$name" >/dev/null; then fail "the plugin is still listed after its removal"; fi
echo "new_plugin_test ($mode): PASSED (one folder added, listed, described, checked, run; removed)"
