// A plugin's training step, written out in the plugin (forward, summed loss, backward,
// optimiser update, top to bottom), run in one of three modes (proto/recipe.proto StepMode):
//   eager   the plain LibTorch calls on the batch tensors, every step (the references' way);
//   static  the same calls on fixed input tensors, with the rates read from device tensors
//           (NesterovSgd::StepOnDevice, Muon::StepOnDevice) and the outputs in fixed tensors:
//           what a CUDA graph replays, run eagerly (on CPU it gives the eager step's result to
//           the bit: tests/core/step_test.cc);
//   graph   each body captured once in a CUDA graph (core/cuda/cuda_graph.h) and replayed: per
//           step the host only copies the batch in, loads the rate tensors and launches it.
//           CUDA builds only.
// An EMA / lookahead update (every few steps, with a decay that changes) runs eagerly beside
// the bodies.
#ifndef CIFARBENCH_CORE_STEP_H_
#define CIFARBENCH_CORE_STEP_H_

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <functional>
#include <memory>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/optim.h"
#include "core/step_graph.h"
#include "proto/recipe.pb.h"

namespace cifarbench {

enum class StepKind { kEager, kStatic, kGraph };
std::string StepKindName(StepKind kind);  // "eager", "static", "graph"

// STEP_MODE_AUTO is graph on CUDA (in a CUDA build), eager on CPU. FailedPrecondition for
// STEP_MODE_GRAPH on CPU or in a build without CUDA.
absl::StatusOr<StepKind> ResolveStepKind(v1::StepMode mode, at::Device device);

// A plugin's step bodies (the forward, loss, backward and optimiser calls it writes out) run
// eagerly, as static-buffer steps, or each captured in its own CUDA graph: one body (hlb, page)
// or several per run (airbench: the whitening bias trained for the first steps, then frozen). A body reads its inputs from tensors fed with Feed() and keeps its
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
  //
  // Fault injection (tests of the out-of-memory path, docs/reliability.md): with
  // CIFARBENCH_INJECT_OOM_AT_STEP=N in the environment, the N-th call of Run in the process
  // (1-based, counted over every run) throws c10::OutOfMemoryError, as LibTorch's CUDA
  // allocator does when it cannot allocate.
  void Run(int index);

 private:
  StepKind kind_;
  std::vector<at::Tensor> state_;
  std::function<void()> zero_grad_;
  std::vector<std::function<void()>> bodies_;
  std::vector<std::unique_ptr<StepGraph>> graphs_;
};

// What a body changes in a network trained by `opt` (StepBodies' `state`): the network's
// parameters and buffers (BatchNorm statistics and counters) and the momentum buffers.
std::vector<at::Tensor> TrainedState(torch::nn::Module& module, const NesterovSgd& opt);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_STEP_H_
