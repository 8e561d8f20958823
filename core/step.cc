#include "core/step.h"

#include <ATen/core/grad_mode.h>  // at::NoGradGuard (not in ATen.h in 2.x)
#include <c10/util/Exception.h>

#include <atomic>
#include <cstdlib>
#include <string>
#include <utility>
#include <vector>

#include "core/evaluate.h"

#ifdef CIFARBENCH_WITH_CUDA
#include "core/cuda/cuda_graph.h"
#endif

namespace cifarbench {
namespace {

// CIFARBENCH_INJECT_OOM_AT_STEP (see TrainStep::Run): throws on the N-th step of the process.
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
    default:  // STEP_MODE_AUTO
      return device.is_cuda() && kCudaBuild ? StepKind::kGraph : StepKind::kEager;
  }
}

TrainStep::TrainStep(StepKind kind, torch::nn::Module& module, Forward forward, Loss loss,
                     double loss_scale, NesterovSgd& opt)
    : kind_(kind),
      module_(module),
      forward_(std::move(forward)),
      loss_(std::move(loss)),
      loss_scale_(loss_scale),
      opt_(opt) {}

TrainStep::~TrainStep() = default;

void TrainStep::Body() {
  opt_.ZeroGrad();  // the backward below then writes fresh gradients (in a graph: its own pool)
  out_.logits = forward_(static_x_);
  out_.loss = loss_(out_.logits, static_y_);
  (out_.loss * loss_scale_).backward();
  opt_.StepOnDevice();
}

void TrainStep::Prepare(const at::Tensor& example_x, const at::Tensor& example_y,
                        int warmup_steps) {
  if (kind_ == StepKind::kEager) return;
  static_x_ = at::empty_like(example_x);  // keeps the memory format
  static_y_ = at::empty_like(example_y);
  static_x_.copy_(example_x);
  static_y_.copy_(example_y);
  if (kind_ == StepKind::kGraph) {
#ifdef CIFARBENCH_WITH_CUDA
    // Everything the warm-up steps change: parameters, buffers (BatchNorm statistics and
    // counters) and the momentum buffers.
    std::vector<at::Tensor> state;
    for (const at::Tensor& p : module_.parameters(/*recurse=*/true)) state.push_back(p);
    for (const at::Tensor& b : module_.buffers(/*recurse=*/true)) state.push_back(b);
    for (const auto& group : opt_.momentum_buffers()) {
      for (const at::Tensor& b : group) state.push_back(b);
    }
    std::vector<at::Tensor> saved;
    {
      at::NoGradGuard no_grad;
      for (const at::Tensor& t : state) saved.push_back(t.detach().clone());
    }
    opt_.LoadRates();
    graph_ = MakeCudaStepGraph();
    graph_->Capture([this] { Body(); }, warmup_steps, [&] {
      at::NoGradGuard no_grad;
      for (size_t i = 0; i < state.size(); ++i) state[i].detach().copy_(saved[i]);
      opt_.ZeroGrad();
    });
#else
    TORCH_CHECK(false, "TrainStep: graph mode in a build without CUDA");
#endif
  }
  prepared_ = true;
}

StepOutputs TrainStep::Run(const at::Tensor& x, const at::Tensor& y) {
  MaybeInjectOutOfMemory();
  if (kind_ == StepKind::kEager) {
    at::Tensor logits = forward_(x);
    at::Tensor loss = loss_(logits, y);
    (loss * loss_scale_).backward();
    opt_.Step();
    opt_.ZeroGrad();
    return {loss, logits};
  }
  if (!prepared_) Prepare(x, y);
  {
    at::NoGradGuard no_grad;
    static_x_.copy_(x);
    static_y_.copy_(y);
  }
  opt_.LoadRates();
  if (kind_ == StepKind::kGraph) {
    graph_->Replay();
  } else {
    Body();
  }
  return out_;
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

absl::StatusOr<std::unique_ptr<TrainStep>> MakeTrainStep(
    const v1::TrainConfig& train, const v1::LossConfig& loss, at::Device device, torch::nn::Module& module,
    TrainStep::Forward forward, NesterovSgd& opt, const TrainingData& data, int64_t pad,
    int64_t batch, at::MemoryFormat memory_format, SpanTimer& timer, v1::RunReport* report) {
  absl::StatusOr<StepKind> kind = ResolveStepKind(train.step_mode(), device);
  if (!kind.ok()) return kind.status();
  const double smoothing = loss.label_smoothing();
  auto step = std::make_unique<TrainStep>(
      *kind, module, std::move(forward),
      [smoothing](const at::Tensor& logits, const at::Tensor& y) {
        return SmoothedCrossEntropySum(logits, y, smoothing);
      },
      loss.scale(), opt);
  report->set_step_mode(StepKindName(*kind));
  if (step->kind() != StepKind::kEager) {
    timer.Start();
    module.train();
    step->Prepare(data.train_padded.narrow(0, 0, batch).narrow(2, pad, 32).narrow(3, pad, 32)
                      .contiguous(memory_format),
                  data.train_targets.narrow(0, 0, batch));
    report->mutable_timings()->set_capture_s(timer.Stop());
  }
  return step;
}

}  // namespace cifarbench
