// One training step (forward, summed loss, backward, optimiser update) in one of three modes
// (proto/recipe.proto StepMode):
//   eager   the plain LibTorch calls on the batch tensors, every step (the references' way);
//   static  the same arithmetic on fixed input tensors, with the rates read from device tensors
//           (NesterovSgd::StepOnDevice) and the outputs in fixed tensors: what a CUDA graph
//           replays, run eagerly (on CPU it must give the eager step's result, and a test
//           checks that it does);
//   graph   the static step captured once in a CUDA graph (core/cuda/cuda_graph.h) and replayed:
//           per step the host only copies the batch in, fills the rate tensors and launches the
//           graph. CUDA builds only.
// The EMA / lookahead update (every few steps, with a decay that changes) runs eagerly beside
// the graph.
#ifndef CIFARBENCH_CORE_STEP_H_
#define CIFARBENCH_CORE_STEP_H_

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/data.h"
#include "core/optim.h"
#include "core/step_graph.h"
#include "core/timer.h"
#include "proto/blocks.pb.h"
#include "proto/recipe.pb.h"
#include "proto/report.pb.h"

namespace cifarbench {

enum class StepKind { kEager, kStatic, kGraph };
std::string StepKindName(StepKind kind);  // "eager", "static", "graph"

// STEP_MODE_AUTO is graph on CUDA (in a CUDA build), eager on CPU. FailedPrecondition for
// STEP_MODE_GRAPH on CPU or in a build without CUDA.
absl::StatusOr<StepKind> ResolveStepKind(v1::StepMode mode, at::Device device);

struct StepOutputs {
  at::Tensor loss;    // the summed loss (before loss_scale), 0-dim
  at::Tensor logits;  // (batch, classes)
};

class TrainStep {
 public:
  using Forward = std::function<at::Tensor(const at::Tensor& x)>;
  using Loss = std::function<at::Tensor(const at::Tensor& logits, const at::Tensor& targets)>;

  // `module` is the trained network (its parameters and buffers are what a graph warm-up
  // restores); `opt` updates it.
  TrainStep(StepKind kind, torch::nn::Module& module, Forward forward, Loss loss,
            double loss_scale, NesterovSgd& opt);
  ~TrainStep();

  StepKind kind() const { return kind_; }

  // Static and graph modes: allocates the fixed input tensors shaped (and laid out) like the
  // examples; graph mode then warms up and captures, restoring every parameter, buffer and
  // momentum buffer (and dropping the gradients) so that the first real step starts from the
  // state it would have had. A no-op in eager mode.
  void Prepare(const at::Tensor& example_x, const at::Tensor& example_y, int warmup_steps = 3);

  // One step on (x, y) at the rates in opt.groups()[*].lr. Outputs stay valid until the next
  // Run (static and graph modes reuse the tensors).
  //
  // Fault injection (tests of the out-of-memory path, docs/reliability.md): with
  // CIFARBENCH_INJECT_OOM_AT_STEP=N in the environment, the N-th call of Run in the process
  // (1-based, counted over every run, the warm-up included) throws c10::OutOfMemoryError, as
  // LibTorch's CUDA allocator does when it cannot allocate.
  StepOutputs Run(const at::Tensor& x, const at::Tensor& y);

 private:
  void Body();  // the static step, on static_x_ / static_y_

  StepKind kind_;
  torch::nn::Module& module_;
  Forward forward_;
  Loss loss_;
  double loss_scale_;
  NesterovSgd& opt_;
  at::Tensor static_x_, static_y_;
  StepOutputs out_;
  std::unique_ptr<StepGraph> graph_;
  bool prepared_ = false;
};

// A plugin's own step bodies (the forward, loss, backward and optimiser calls it writes out, as
// the airbench plugin does) run eagerly, as static-buffer steps, or each captured in its own
// CUDA graph: several bodies per run (airbench: the whitening bias trained for the first steps,
// then frozen, two graphs). A body reads its inputs from tensors fed with Feed() and keeps its
// outputs itself; every rate it uses must come from device tensors (NesterovSgd::StepOnDevice,
// Muon::StepOnDevice), loaded on the host before Run().
class StepBodies {
 public:
  // `state`: every tensor the bodies change (parameters, buffers, optimiser buffers). Graph mode
  // runs each body `warmup_steps` times on a side stream and then restores these (and drops the
  // gradients through `zero_grad`) before capturing, so the first real step starts from the
  // state it would have had.
  StepBodies(StepKind kind, std::vector<at::Tensor> state, std::function<void()> zero_grad);
  ~StepBodies();
  StepKind kind() const { return kind_; }
  // Registers a body; returns its index for Run().
  int Add(std::function<void()> body);
  // An input slot: eager mode takes `value` itself (no copy); static and graph modes copy it
  // into the slot's fixed tensor, allocated like `value` on first use.
  void Feed(at::Tensor& slot, const at::Tensor& value) const;
  // Graph mode: warms up and captures every body (the slots must have been fed once). No-op
  // otherwise.
  void Prepare(int warmup_steps = 3);
  // Runs body `index`: the call itself (eager, static) or its graph's replay.
  void Run(int index);

 private:
  StepKind kind_;
  std::vector<at::Tensor> state_;
  std::function<void()> zero_grad_;
  std::vector<std::function<void()>> bodies_;
  std::vector<std::unique_ptr<StepGraph>> graphs_;
};

// What the shipped plugins do to set up their step: resolve train.step_mode on `device`, build
// the step on `module` / `forward` with the label-smoothed summed cross-entropy
// (loss.label_smoothing) scaled by loss.scale (the plugin's loss block), record report.step_mode and, in static
// and graph modes, prepare it (graph: warm up and capture) on the first `batch` unaugmented
// training images (the centre crop of data.train_padded, `pad` pixels each side; no random
// draws, so the run's draws are unchanged) with `module` in training mode, timed with `timer`
// as report.timings.capture_s. FailedPrecondition as ResolveStepKind.
absl::StatusOr<std::unique_ptr<TrainStep>> MakeTrainStep(
    const v1::TrainConfig& train, const v1::LossConfig& loss, at::Device device, torch::nn::Module& module,
    TrainStep::Forward forward, NesterovSgd& opt, const TrainingData& data, int64_t pad,
    int64_t batch, at::MemoryFormat memory_format, SpanTimer& timer, v1::RunReport* report);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_STEP_H_
