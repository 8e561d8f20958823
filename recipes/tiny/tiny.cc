// tiny: the smallest complete cifarbench plugin, the one to copy (README, "Adding a plugin and
// a recipe"). A three-stage convnet trained with Nesterov SGD on crops and flips, evaluated on
// the test set after the last epoch. Everything a run does is written out below, top to
// bottom: data, network, optimiser, then per step forward, loss, backward, update.
//
// Its settings are recipes/tiny/tiny.proto (the recipe's `tiny { ... }` block), checked when
// the recipe loads by recipes/tiny/tiny_settings.cc. Learning rates are per summed loss.
// Measured: tiny_smoke on 2 CPU cores (docs/benchmarks.md, "tiny").

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>
#include <torch/nn/modules/linear.h>
#include <torch/utils.h>

#include <memory>
#include <vector>

#include "core/augment.h"
#include "core/data.h"
#include "core/evaluate.h"
#include "core/loss.h"
#include "core/optim.h"
#include "core/plugin.h"
#include "core/recorder.h"
#include "core/schedule.h"
#include "core/settings.h"
#include "core/timer.h"
#include "recipes/tiny/tiny.pb.h"

namespace cifarbench::tiny {
namespace {

// conv3x3 -> BatchNorm -> ReLU -> max pool 2, three times; global max pool; linear.
class TinyNetImpl : public torch::nn::Module {
 public:
  explicit TinyNetImpl(const TinySettings& s) {
    int64_t in = 3;
    for (int i = 0; i < s.widths_size(); ++i) {
      convs.push_back(register_module(
          "conv" + std::to_string(i),
          torch::nn::Conv2d(torch::nn::Conv2dOptions(in, s.widths(i), 3).padding(1).bias(false))));
      norms.push_back(register_module("norm" + std::to_string(i),
                                      torch::nn::BatchNorm2d(s.widths(i))));
      in = s.widths(i);
    }
    head = register_module("head", torch::nn::Linear(in, 10));
  }
  at::Tensor forward(at::Tensor x) {
    for (size_t i = 0; i < convs.size(); ++i) {
      x = at::max_pool2d(at::relu(norms[i]->forward(convs[i]->forward(x))), {2, 2});
    }
    return head->forward(at::amax(x, {2, 3}));
  }
  std::vector<torch::nn::Conv2d> convs;
  std::vector<torch::nn::BatchNorm2d> norms;
  torch::nn::Linear head{nullptr};
};
TORCH_MODULE(TinyNet);

class TinyPlugin : public Plugin {
 public:
  NetworkHandle BuildNetwork(const v1::RecipeConfig& config) override {
    absl::StatusOr<TinySettings> s = PluginSettings<TinySettings>(config);
    TORCH_CHECK(s.ok(), s.status().ToString());
    TinyNet net(*s);
    return {net.ptr(), [net](const at::Tensor& x) mutable { return net->forward(x); }};
  }

  absl::Status Run(const v1::RecipeConfig& config, const RunInputs& inputs,
                   v1::RunReport* report) override {
    absl::StatusOr<TinySettings> settings = PluginSettings<TinySettings>(config);
    if (!settings.ok()) return settings.status();
    const TinySettings& s = *settings;
    const at::Device device = inputs.device;
    const at::ScalarType dtype = at::kFloat;  // fp32 everywhere: the simplest correct choice
    const int64_t batch = config.train().batch_size();
    torch::manual_seed(inputs.seed);

    // ---- Data: normalised and reflect-padded once; the plan counts steps (drop last) ----
    absl::StatusOr<TrainingData> data =
        PrepareTrainingData(*inputs.data, config, s.augment().pad(), dtype, at::MemoryFormat::Contiguous);
    if (!data.ok()) return data.status();

    // ---- Network and optimiser (init_s) ----
    SpanTimer timer(device);
    timer.Start();
    TinyNet net(s);
    net->to(device);
    SgdGroup group;
    group.name = "params";
    group.params = net->parameters();
    group.weight_decay = s.params().weight_decay();
    NesterovSgd opt(v1::OPTIMIZER_KIND_SGD_NESTEROV, s.momentum(), {group});
    const double init_s = timer.Stop();

    // ---- Training: per epoch, augment, shuffle, then forward, loss, backward, update ----
    RunRecorder recorder(inputs, report, batch);
    report->set_step_mode("eager");  // the plain LibTorch calls below (core/step.h has the others)
    const StepPlan& plan = data->plan;
    for (int64_t epoch = 0; epoch < plan.num_epochs; ++epoch) {
      const int64_t steps = plan.StepsInEpoch(epoch);
      timer.Start();
      net->train();
      CropFlipDraws draws =
          DrawCropFlip(data->n_train, 2 * s.augment().pad(), s.augment().flip_probability(), device);
      at::Tensor images = CropFlip(data->train_padded, draws, 32);
      at::Tensor order = at::randperm(data->n_train, at::TensorOptions().dtype(at::kLong).device(device));
      EpochScope scope(recorder, epoch, steps);  // shows the epoch's row when it ends
      for (int64_t step = 0; step < steps; ++step) {
        at::Tensor idx = order.narrow(0, step * batch, batch);
        at::Tensor x = images.index_select(0, idx);
        at::Tensor y = data->train_targets.index_select(0, idx);
        opt.groups()[0].lr = s.params().lr() * LrMultiplier(s.schedule(), plan, recorder.global_step());
        at::Tensor logits = net->forward(x);                                                // forward
        at::Tensor loss = SmoothedCrossEntropySum(logits, y, s.loss().label_smoothing());  // loss
        (loss * s.loss().scale()).backward();                                               // backward
        opt.Step();                                                                         // update
        opt.ZeroGrad();
        if (!scope.Step(loss.detach(), logits.detach(), y)) break;
      }
      v1::EpochRow* row = scope.EndTraining(timer.Stop());
      if (row == nullptr) break;  // INTERRUPTED or DIVERGED, recorded

      // ---- Evaluation: the live network after the last epoch (or every epoch if asked) ----
      const bool last = epoch + 1 == plan.num_epochs;
      if (last || config.eval().per_epoch()) {
        timer.Start();
        net->eval();
        EvalResult result = Evaluate([&net](const at::Tensor& x) { return net->forward(x); },
                                     data->test_images, inputs.data->test_labels,
                                     config.eval().batch_size(), HeadlineTta(config.eval()));
        row->set_val_loss(result.loss);
        row->set_val_acc(result.accuracy);
        row->set_evaluated(true);
        recorder.AddEvalSeconds(last, timer.Stop());
        if (last) {
          report->set_live_accuracy(result.accuracy);
          report->set_headline_accuracy(result.accuracy);
        }
      }
    }
    recorder.Finish(init_s);
    return absl::OkStatus();
  }
};

}  // namespace

CIFARBENCH_REGISTER_PLUGIN("tiny", TinyPlugin,
                           "the example plugin: a 3-stage convnet, Nesterov SGD, crops and flips");

}  // namespace cifarbench::tiny
