// A plugin the runner does not link: built as a shared library against core's headers only,
// loaded with --plugin_lib. It registers a plugin, its settings (tests/bench/test_plugin.proto,
// the recipe's `test_plugin { ... }` block, checked when the recipe loads) and a recipe into the
// runner's registry.
#include <ATen/ATen.h>

#include "core/plugin.h"
#include "core/registry.h"
#include "core/settings.h"
#include "core/validation.h"
#include "tests/bench/test_plugin.pb.h"

namespace {

class TestPlugin : public cifarbench::Plugin {
 public:
  absl::Status Run(const cifarbench::v1::RecipeConfig& config,
                   const cifarbench::RunContext& ctx,
                   cifarbench::v1::RunReport* report) override {
    // A trivial "accuracy": how often the test label is 0, computed on the data the runner
    // loaded, so the test sees that the plugin got real tensors.
    const at::Tensor& labels = ctx.data->test_labels;
    auto settings = cifarbench::PluginSettings<cifarbench::test_plugin::TestPluginSettings>(config);
    if (!settings.ok()) return settings.status();
    const double fraction =
        settings->factor() * (labels == 0).to(at::kDouble).mean().item<double>();
    report->set_headline_accuracy(fraction);
    report->set_live_accuracy(fraction);
    report->set_status(cifarbench::v1::RUN_STATUS_OK);
    return absl::OkStatus();
  }
  cifarbench::NetworkHandle BuildNetwork(const cifarbench::v1::RecipeConfig&) override {
    return {};
  }
};

void CheckSettings(const cifarbench::v1::RecipeConfig&,
                   const cifarbench::test_plugin::TestPluginSettings& settings,
                   cifarbench::Validator& v) {
  v.Positive("factor", settings.factor());
}

}  // namespace

CIFARBENCH_REGISTER_SETTINGS("test_plugin", cifarbench::test_plugin::TestPluginSettings,
                             CheckSettings);
CIFARBENCH_REGISTER_PLUGIN("test_plugin", TestPlugin, "test plugin loaded with --plugin_lib");

CIFARBENCH_REGISTER_RECIPE("test_plugin_recipe", "test_plugin", "tests/bench/test_plugin.cc",
                           R"cbrecipe(
name: "test_plugin_recipe"
plugin: "test_plugin"
description: "runs the --plugin_lib test plugin"
data { train_subset: 1024 test_subset: 500 }
train { batch_size: 256 epochs: 1 }
eval { headline_network: EVAL_NETWORK_LIVE headline_tta: TTA_NONE batch_size: 500 }
precision: PRECISION_FP32
runs: 1
target_accuracy: 0.05
test_plugin { factor: 1 }
)cbrecipe");
