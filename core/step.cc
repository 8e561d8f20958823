#include "core/step.h"

#include <ATen/core/grad_mode.h>  // at::NoGradGuard (not in ATen.h in 2.x)
#include <c10/util/Exception.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>


#ifdef CIFARBENCH_WITH_CUDA
#include "core/cuda/cuda_graph.h"
#endif

namespace cifarbench {
namespace {

// CIFARBENCH_INJECT_OOM_AT_STEP (see StepBodies::Run): throws on the N-th step of the process.
void MaybeInjectOutOfMemory() {
  static const long long inject_at = [] {
    const char* value = std::getenv("CIFARBENCH_INJECT_OOM_AT_STEP");
    return value == nullptr ? 0LL : std::atoll(value);
  }();
  if (inject_at <= 0) return;
  static std::atomic<long long> steps{0};
  const long long step = ++steps;
  if (step == inject_at) {
    TORCH_CHECK_WITH(OutOfMemoryError, false,
                     "out of memory: tried to allocate at training step ", step,
                     " (injected by CIFARBENCH_INJECT_OOM_AT_STEP=", inject_at, ")");
  }
}

}  // namespace

std::string StepKindName(StepKind kind) {
  switch (kind) {
    case StepKind::kEager: return "eager";
    case StepKind::kStatic: return "static";
    case StepKind::kGraph: return "graph";
  }
  return "?";
}

absl::StatusOr<StepKind> ResolveStepKind(v1::StepMode mode, at::Device device) {
#ifdef CIFARBENCH_WITH_CUDA
  constexpr bool kCudaBuild = true;
#else
  constexpr bool kCudaBuild = false;
#endif
  switch (mode) {
    case v1::STEP_MODE_EAGER: return StepKind::kEager;
    case v1::STEP_MODE_STATIC: return StepKind::kStatic;
    case v1::STEP_MODE_GRAPH:
      if (!device.is_cuda() || !kCudaBuild) {
        return absl::FailedPreconditionError(
            "train.step_mode STEP_MODE_GRAPH needs a CUDA device and a CUDA build of cifarbench "
            "(this run is on " + device.str() + (kCudaBuild ? "" : ", in a build without CUDA") +
            "); use STEP_MODE_STATIC or STEP_MODE_EAGER");
      }
      return StepKind::kGraph;
    default:  // STEP_MODE_AUTO, or unset
      return device.is_cuda() && kCudaBuild ? StepKind::kGraph : StepKind::kEager;
  }
}

StepBodies::StepBodies(StepKind kind, std::vector<at::Tensor> state,
                       std::function<void()> zero_grad)
    : kind_(kind), state_(std::move(state)), zero_grad_(std::move(zero_grad)) {}

StepBodies::~StepBodies() = default;

int StepBodies::Add(std::function<void()> body) {
  bodies_.push_back(std::move(body));
  return static_cast<int>(bodies_.size()) - 1;
}

void StepBodies::Feed(at::Tensor& slot, const at::Tensor& value) const {
  if (kind_ == StepKind::kEager) {
    slot = value;
    return;
  }
  at::NoGradGuard no_grad;
  if (!slot.defined()) slot = at::empty_like(value);  // keeps the memory format
  slot.copy_(value);
}

void StepBodies::Prepare(int warmup_steps) {
  if (kind_ != StepKind::kGraph || !graphs_.empty()) return;
#ifdef CIFARBENCH_WITH_CUDA
  std::vector<at::Tensor> saved;
  {
    at::NoGradGuard no_grad;
    for (const at::Tensor& t : state_) saved.push_back(t.detach().clone());
  }
  auto restore = [&] {
    at::NoGradGuard no_grad;
    for (size_t i = 0; i < state_.size(); ++i) state_[i].detach().copy_(saved[i]);
    zero_grad_();
  };
  for (const auto& body : bodies_) {
    graphs_.push_back(MakeCudaStepGraph());
    graphs_.back()->Capture(body, warmup_steps, restore);
  }
#else
  (void)warmup_steps;
  TORCH_CHECK(false, "StepBodies: graph mode in a build without CUDA");
#endif
}

void StepBodies::Run(int index) {
  MaybeInjectOutOfMemory();
  if (kind_ == StepKind::kGraph) {
    Prepare();
    graphs_.at(static_cast<size_t>(index))->Replay();
  } else {
    bodies_.at(static_cast<size_t>(index))();
  }
}

std::vector<at::Tensor> TrainedState(torch::nn::Module& module, const NesterovSgd& opt) {
  std::vector<at::Tensor> state = module.parameters(/*recurse=*/true);
  for (const at::Tensor& b : module.buffers(/*recurse=*/true)) state.push_back(b);
  for (const auto& group : opt.momentum_buffers()) state.insert(state.end(), group.begin(), group.end());
  return state;
}

}  // namespace cifarbench
