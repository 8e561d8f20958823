// page: David Page's ResNet-9 DAWNBench baseline as a cifarbench plugin.
//
// Reproduces davidcpage/cifar10-fast's dawn.py (2018; commit f79e8b89bb2994b5caaaf7289c68903d15a37c2e): the ResNet-9 of
// recipes/page/page_net.h, every parameter in one Nesterov group with the reference's own update
// (the rate inside the momentum buffer: core/optim.h OPTIMIZER_KIND_PAGE_NESTEROV), weight decay 5e-4 x 512,
// learning rate piecewise linear 0 -> 0.4 -> 0 over epochs 0, 5, 24 divided by 512 and read after
// advancing the step counter (the first step uses epoch 1/97), plain cross-entropy summed over
// the batch, batch 512 with drop last (97 steps per epoch), 24 epochs, reflect pad 4 + random
// crop + flip + 8x8 cutout drawn per image per epoch, no EMA, the live network without TTA on
// the full test set. Published: median 94.08% over 50 runs (35 of 50 >= 94%), 79 s on one V100.
//
// Precision: on CUDA (PRECISION_AUTO) fp16 everywhere except BatchNorm, whose parameters and
// running statistics stay fp32 and which reads the fp16 activations directly (the reference's
// half() skips BatchNorm; cuDNN's mixed mode), fp32 on CPU; channels_last on every device (memory_format).
// Deviation: the training loss is computed in fp32 from the fp16 logits (core/loss.h); the
// reference computed it in fp16.
// Measured (CPU, LibTorch 1.13 Debian, 2 cores shared with other jobs): page_resnet9_smoke
// 51.05% live test accuracy (2,000 images) after 6 epochs of 5,000 images, seed 0; the CPU proof
// of learning (page_resnet9 at one eighth of the widths, 24 epochs) is recorded in
// docs/benchmarks.md. On an NVIDIA H200 (pip torch 2.11, CUDA graph): page_resnet9 94.03% mean
// over 3 runs, train_s 11.56 s (docs/benchmarks.md).

#include <ATen/ATen.h>
#include <torch/utils.h>

#include <utility>
#include <vector>

#include "absl/status/status.h"
#include "absl/strings/str_cat.h"
#include "core/artifacts.h"
#include "core/augment.h"
#include "core/data.h"
#include "core/evaluate.h"
#include "core/loss.h"
#include "core/optim.h"
#include "core/plugin.h"
#include "core/recorder.h"
#include "core/schedule.h"
#include "core/settings.h"
#include "core/step.h"
#include "core/timer.h"
#include "recipes/page/page_net.h"

namespace cifarbench::page {
namespace {

class PagePlugin : public Plugin {
 public:
  NetworkHandle BuildNetwork(const v1::RecipeConfig& config) override {
    absl::StatusOr<PageSettings> settings = PluginSettings<PageSettings>(config);
    TORCH_CHECK(settings.ok(), settings.status().ToString());
    PageNet net(settings->model());
    return {net.ptr(), [net](const at::Tensor& x) mutable { return net->forward(x); }};
  }

  absl::Status Run(const v1::RecipeConfig& config, const RunInputs& inputs,
                   v1::RunReport* report) override {
    // ---- Hyperparameters (the recipe's page { ... } block: recipes/page/page.proto; what
    // the plugin does not implement, EMA and cutmix, its settings check refused at load) ----
    absl::StatusOr<PageSettings> settings = PluginSettings<PageSettings>(config);
    if (!settings.ok()) return settings.status();
    const PageSettings& page = *settings;
    // Learning rates are per summed loss: the group's lr is the peak (0.4 / 512) and the
    // schedule's knot values are multipliers of it (0, 1, 0).
    const v1::TrainConfig& train = config.train();
    const v1::AugmentConfig& aug = page.augment();
    const int64_t batch = train.batch_size();
    const at::Device device = inputs.device;
    const at::ScalarType dtype = ComputeDtype(config.precision(), device);
    const auto memory_format = ComputeMemoryFormat(config);  // channels_last unless asked
    const bool channels_last = memory_format == at::MemoryFormat::ChannelsLast;
    torch::manual_seed(inputs.seed);

    // ---- Data ----
    // Normalised and reflect-padded once (the reference does both at load); crops, flips and
    // cutout are drawn again every epoch.
    const DeviceData& data = *inputs.data;
    absl::StatusOr<TrainingData> prepared = PrepareTrainingData(data, config, aug.pad(), dtype, memory_format);
    if (!prepared.ok()) return prepared.status();
    const int64_t n_train = prepared->n_train;
    const at::Tensor& train_padded = prepared->train_padded;
    const at::Tensor& test_images = prepared->test_images;
    const at::Tensor& train_targets = prepared->train_targets;
    const StepPlan& plan = prepared->plan;

    // ---- Network (timed: init_s; default init only, nothing data-dependent) ----
    SpanTimer timer(device);
    timer.Start();
    PageNet net(page.model());
    // The reference's half() leaves BatchNorm in fp32 (its running statistics too).
    ToComputeLayout(*net, device, dtype, channels_last, BatchNormDtype::kFloat);
    const double init_s = timer.Stop();

    // ---- Optimiser ----
    const double peak_lr = page.optimizer().params().lr();
    NesterovSgd opt(page.optimizer().kind(), page.optimizer().momentum(),
                    PageParamGroups(page.optimizer(), *net));

    // ---- The training step (forward, summed loss, backward, update), written out; core/step.h
    // runs it eagerly, on static buffers or as a CUDA graph ----
    absl::StatusOr<StepKind> kind = ResolveStepKind(train.step_mode(), device);
    if (!kind.ok()) return kind.status();
    report->set_step_mode(StepKindName(*kind));
    StepBodies bodies(*kind, TrainedState(*net, opt), [&opt] { opt.ZeroGrad(); });
    const double smoothing = page.loss().label_smoothing(), loss_scale = page.loss().scale();
    at::Tensor x_in, y_in, out_loss, out_logits;  // fed before each Run; kept by the body
    const int train_step = bodies.Add([&] {
      opt.ZeroGrad();  // set_to_none: the backward below writes fresh gradients
      at::Tensor logits = net->forward(x_in);                               // forward
      at::Tensor loss = SmoothedCrossEntropySum(logits, y_in, smoothing);  // loss, summed
      (loss * loss_scale).backward();                                       // backward
      opt.StepOnDevice();  // the reference's Nesterov form, at the rate loaded on the device
      out_loss = loss.detach();
      out_logits = logits.detach();
    });
    if (*kind == StepKind::kGraph) {
      // Captured on the first unaugmented batch (the centre crop: no random draws, so the run's
      // draws are unchanged), untimed (capture_s); the warm-up's state is restored after it.
      timer.Start();
      bodies.Feed(x_in, train_padded.narrow(0, 0, batch).narrow(2, aug.pad(), 32).narrow(3, aug.pad(), 32)
                            .contiguous(memory_format));
      bodies.Feed(y_in, train_targets.narrow(0, 0, batch));
      opt.LoadRates();
      net->train();
      bodies.Prepare();
      report->mutable_timings()->set_capture_s(timer.Stop());
    }

    // ---- Training ----
    auto forward = [&net](const at::Tensor& x) { return net->forward(x); };
    const v1::EvalConfig& eval = config.eval();
    RunRecorder recorder(inputs, report, batch);
    for (int64_t epoch = 0; epoch < plan.num_epochs; ++epoch) {
      const int64_t steps = plan.StepsInEpoch(epoch);
      timer.Start();
      net->train();
      // The reference's per-epoch order: crop, flip, cutout (inside the cropped image), drawn
      // per image; then a shuffled pass in batches, dropping the last partial batch.
      CropFlipDraws draws = DrawCropFlip(n_train, 2 * aug.pad(), aug.flip_probability(), device);
      at::Tensor images = CropFlip(train_padded, draws, 32);
      if (aug.cutout_size() > 0) {
        images = Cutout(images, DrawBoxes(n_train, 32, 32, aug.cutout_size(), device),
                        aug.cutout_size());
      }
      images = images.contiguous(memory_format);
      at::Tensor order = at::randperm(n_train, at::TensorOptions().dtype(at::kLong).device(device));
      EpochScope scope(recorder, epoch, steps);  // shows the epoch's row when it ends
      for (int64_t s = 0; s < steps; ++s) {
        at::Tensor idx = order.narrow(0, s * batch, batch);
        at::Tensor y = train_targets.index_select(0, idx);
        bodies.Feed(x_in, images.index_select(0, idx));
        bodies.Feed(y_in, y);
        // advance_before_read: step 0 runs at the rate of step 1 (epoch 1/97).
        opt.groups()[0].lr = peak_lr * LrMultiplier(page.schedule(), plan, recorder.global_step());
        opt.LoadRates();
        bodies.Run(train_step);
        if (!scope.Step(out_loss, out_logits, y)) break;
      }
      v1::EpochRow* row = scope.EndTraining(timer.Stop());
      if (row == nullptr) break;  // INTERRUPTED or DIVERGED, recorded

      // ---- Evaluation ----
      // The live network in eval mode (BatchNorm running statistics), no EMA; TTA as
      // configured (page_resnet9: none).
      const bool last = epoch + 1 == plan.num_epochs;
      if (last || eval.per_epoch()) {
        timer.Start();
        net->eval();
        EvalResult live = Evaluate(forward, test_images, data.test_labels, eval.batch_size(),
                                   HeadlineTta(eval));
        row->set_val_loss(live.loss);
        row->set_val_acc(live.accuracy);
        row->set_evaluated(true);
        recorder.AddEvalSeconds(last, timer.Stop());
        if (last) {
          report->set_live_accuracy(live.accuracy);
          report->set_headline_accuracy(live.accuracy);
          if (!inputs.artifacts_prefix.empty()) {  // untimed: after the final evaluation's span
            at::Tensor logits;
            Evaluate(forward, test_images, data.test_labels, eval.batch_size(),
                     HeadlineTta(eval), &logits);
            absl::Status saved = SaveRunArtifacts(inputs, logits, *net, report);
            if (!saved.ok()) return saved;
          }
        }
      }
    }
    recorder.Finish(init_s);
    return absl::OkStatus();
  }
};

}  // namespace

CIFARBENCH_REGISTER_PLUGIN("page", PagePlugin,
                           "cifar10-fast dawn.py (2018): ResNet-9, Nesterov, piecewise-linear lr");

}  // namespace cifarbench::page
