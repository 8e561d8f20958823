// A plugin the runner does not link: built as a shared library against core's headers only,
// loaded with --plugin_lib. It registers a plugin and a recipe into the runner's registry. It has
// no settings of its own (CIFARBENCH_REGISTER_SETTINGS), so its recipe has no block.
#include <ATen/ATen.h>

#include "core/plugin.h"
#include "core/registry.h"

namespace {

class TestPlugin : public cifarbench::Plugin {
 public:
  absl::Status Run(const cifarbench::v1::RecipeConfig& config,
                   const cifarbench::RunContext& ctx,
                   cifarbench::v1::RunReport* report) override {
    // A trivial "accuracy": how often the test label is 0, computed on the data the runner
    // loaded, so the test sees that the plugin got real tensors.
    const at::Tensor& labels = ctx.data->test_labels;
    const double fraction = (labels == 0).to(at::kDouble).mean().item<double>();
    report->set_headline_accuracy(fraction);
    report->set_live_accuracy(fraction);
    report->set_status(cifarbench::v1::OK);
    return absl::OkStatus();
  }
  cifarbench::NetworkHandle BuildNetwork(const cifarbench::v1::RecipeConfig&) override {
    return {};
  }
};

}  // namespace

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
)cbrecipe");
