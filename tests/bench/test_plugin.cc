// Plugins the runner does not link: built as a shared library against core's headers only
// (Bazel: //core:plugin_api_headers; CMake: tests/bench/CMakeLists.txt), loaded with
// --plugin_lib. Two plugins, each with its settings (tests/bench/test_plugin.proto, the
// recipe's `test_plugin { ... }` / `test_trainer { ... }` block, checked when the recipe loads)
// and a recipe, registered into the runner's registry:
//   test_plugin   a trivial "accuracy" from the loaded data (bench_test, kill_loop_test);
//   test_trainer  a small convnet trained with core's training pieces, which resolve against
//                 the runner's core (bench_test checks that it learns).
#include <ATen/ATen.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/utils.h>

#include "core/augment.h"
#include "core/data.h"
#include "core/evaluate.h"
#include "core/loss.h"
#include "core/optim.h"
#include "core/plugin.h"
#include "core/recorder.h"
#include "core/registry.h"
#include "core/schedule.h"
#include "core/settings.h"
#include "core/step.h"
#include "core/timer.h"
#include "core/validation.h"
#include "tests/bench/test_plugin.pb.h"

namespace {

class TestPlugin : public cifarbench::Plugin {
 public:
  absl::Status Run(const cifarbench::v1::RecipeConfig& config,
                   const cifarbench::RunInputs& inputs,
                   cifarbench::v1::RunReport* report) override {
    // A trivial "accuracy": how often the test label is 0, computed on the data the runner
    // loaded, so the test sees that the plugin got real tensors.
    const at::Tensor& labels = inputs.data->test_labels;
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

// The trainer: what tiny.cc does (recipes/tiny/), from outside the runner. Every call into
// core below (data, augmentation, loss, optimiser, step bodies, recorder, evaluation, timer)
// resolves against the runner's own core when the library is loaded.
class TestTrainerNetImpl : public torch::nn::Module {
 public:
  explicit TestTrainerNetImpl(int64_t w) {
    conv1 = register_module("conv1", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, w, 3).padding(1).bias(false)));
    norm1 = register_module("norm1", torch::nn::BatchNorm2d(w));
    conv2 = register_module("conv2", torch::nn::Conv2d(torch::nn::Conv2dOptions(w, 2 * w, 3).padding(1).bias(false)));
    norm2 = register_module("norm2", torch::nn::BatchNorm2d(2 * w));
    head = register_module("head", torch::nn::Linear(2 * w, 10));
  }
  at::Tensor forward(at::Tensor x) {
    x = at::max_pool2d(at::relu(norm1->forward(conv1->forward(x))), {2, 2});
    x = at::max_pool2d(at::relu(norm2->forward(conv2->forward(x))), {2, 2});
    return head->forward(at::amax(x, {2, 3}));
  }
  torch::nn::Conv2d conv1{nullptr}, conv2{nullptr};
  torch::nn::BatchNorm2d norm1{nullptr}, norm2{nullptr};
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(TestTrainerNet);

class TestTrainer : public cifarbench::Plugin {
 public:
  cifarbench::NetworkHandle BuildNetwork(const cifarbench::v1::RecipeConfig& config) override {
    auto s = cifarbench::PluginSettings<cifarbench::test_plugin::TestTrainerSettings>(config);
    TORCH_CHECK(s.ok(), s.status().ToString());
    TestTrainerNet net(s->width());
    return {net.ptr(), [net](const at::Tensor& x) mutable { return net->forward(x); }};
  }

  absl::Status Run(const cifarbench::v1::RecipeConfig& config, const cifarbench::RunInputs& inputs,
                   cifarbench::v1::RunReport* report) override {
    using namespace cifarbench;  // NOLINT: a test plugin written as a user would
    auto settings = PluginSettings<test_plugin::TestTrainerSettings>(config);
    if (!settings.ok()) return settings.status();
    const at::Device device = inputs.device;
    const int64_t batch = config.train().batch_size();
    torch::manual_seed(inputs.seed);
    absl::StatusOr<TrainingData> data =
        PrepareTrainingData(*inputs.data, config, /*pad=*/2, at::kFloat, at::MemoryFormat::Contiguous);
    if (!data.ok()) return data.status();

    SpanTimer timer(device);
    timer.Start();
    TestTrainerNet net(settings->width());
    ToComputeLayout(*net, device, at::kFloat, /*channels_last=*/false);
    SgdGroup group;
    group.name = "params";
    group.params = net->parameters();
    group.weight_decay = settings->weight_decay();
    NesterovSgd opt(v1::OPTIMIZER_KIND_SGD_NESTEROV, settings->momentum(), {group});
    const double init_s = timer.Stop();

    // The step, written out; core runs it eagerly or on static buffers (train.step_mode).
    absl::StatusOr<StepKind> kind = ResolveStepKind(config.train().step_mode(), device);
    if (!kind.ok()) return kind.status();
    report->set_step_mode(StepKindName(*kind));
    StepBodies bodies(*kind, TrainedState(*net, opt), [&opt] { opt.ZeroGrad(); });
    at::Tensor x_in, y_in, out_loss, out_logits;
    const int step = bodies.Add([&] {
      opt.ZeroGrad();
      at::Tensor logits = net->forward(x_in);                       // forward
      at::Tensor loss = SmoothedCrossEntropySum(logits, y_in, 0.1);  // loss, summed
      loss.backward();                                               // backward
      opt.StepOnDevice();                                            // update
      out_loss = loss.detach();
      out_logits = logits.detach();
    });

    RunRecorder recorder(inputs, report, batch);
    const StepPlan& plan = data->plan;
    for (int64_t epoch = 0; epoch < plan.num_epochs; ++epoch) {
      const int64_t steps = plan.StepsInEpoch(epoch);
      timer.Start();
      net->train();
      CropFlipDraws draws = DrawCropFlip(data->n_train, 4, 0.5, device);
      at::Tensor images = CropFlip(data->train_padded, draws, 32);
      at::Tensor order = at::randperm(data->n_train, at::TensorOptions().dtype(at::kLong).device(device));
      EpochScope scope(recorder, epoch, steps);
      for (int64_t s = 0; s < steps; ++s) {
        at::Tensor idx = order.narrow(0, s * batch, batch);
        at::Tensor y = data->train_targets.index_select(0, idx);
        bodies.Feed(x_in, images.index_select(0, idx));
        bodies.Feed(y_in, y);
        opt.groups()[0].lr = settings->lr() * LinearToZero(recorder.global_step(), plan.total_steps);
        opt.LoadRates();
        bodies.Run(step);
        if (!scope.Step(out_loss, out_logits, y)) break;
      }
      v1::EpochRow* row = scope.EndTraining(timer.Stop());
      if (row == nullptr) break;
      if (epoch + 1 == plan.num_epochs) {
        timer.Start();
        net->eval();
        EvalResult result = Evaluate([&net](const at::Tensor& x) { return net->forward(x); },
                                     data->test_images, inputs.data->test_labels,
                                     config.eval().batch_size(), HeadlineTta(config.eval()));
        row->set_val_loss(result.loss);
        row->set_val_acc(result.accuracy);
        row->set_evaluated(true);
        recorder.AddEvalSeconds(true, timer.Stop());
        report->set_live_accuracy(result.accuracy);
        report->set_headline_accuracy(result.accuracy);
      }
    }
    recorder.Finish(init_s);
    return absl::OkStatus();
  }
};

void CheckTrainerSettings(const cifarbench::v1::RecipeConfig&,
                          const cifarbench::test_plugin::TestTrainerSettings& settings,
                          cifarbench::Validator& v) {
  v.Positive("width", static_cast<double>(settings.width()));
  v.Positive("lr", settings.lr());
  cifarbench::CheckMomentum(settings.momentum(), "momentum", v);
  v.NonNegative("weight_decay", settings.weight_decay());
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

CIFARBENCH_REGISTER_SETTINGS("test_trainer", cifarbench::test_plugin::TestTrainerSettings,
                             CheckTrainerSettings);
CIFARBENCH_REGISTER_PLUGIN("test_trainer", TestTrainer,
                           "test plugin loaded with --plugin_lib that trains with core's pieces");

// 2,560 images (10 steps of 256 an epoch), 3 epochs: a few seconds on 2 CPU cores.
CIFARBENCH_REGISTER_RECIPE("test_trainer_recipe", "test_trainer", "tests/bench/test_plugin.cc",
                           R"cbrecipe(
name: "test_trainer_recipe"
plugin: "test_trainer"
description: "trains a small convnet from a --plugin_lib library with core's pieces"
data { train_subset: 2560 test_subset: 1000 }
train { batch_size: 256 epochs: 3 }
eval { headline_network: EVAL_NETWORK_LIVE headline_tta: TTA_NONE batch_size: 500 }
precision: PRECISION_FP32
runs: 1
target_accuracy: 0.2
test_trainer { width: 16 lr: 0.0002 momentum: 0.9 weight_decay: 0.128 }
)cbrecipe");
