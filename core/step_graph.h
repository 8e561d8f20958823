// The CUDA graph behind StepBodies' graph mode (core/step.h), as an interface free of CUDA and
// protobuf headers: core/cuda/cuda_graph.cc implements it in CUDA builds.
#ifndef CIFARBENCH_CORE_STEP_GRAPH_H_
#define CIFARBENCH_CORE_STEP_GRAPH_H_

#include <functional>

namespace cifarbench {

class StepGraph {
 public:
  virtual ~StepGraph() = default;
  // Runs `body` `warmup_steps` times on a side stream (cuDNN autotuning, lazy initialisation),
  // then `restore` (undo what the warm-up did), then captures one `body` (which records its
  // kernels without running them).
  virtual void Capture(const std::function<void()>& body, int warmup_steps,
                       const std::function<void()>& restore) = 0;
  // Runs the captured kernels on the current stream.
  virtual void Replay() = 0;
};

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_STEP_GRAPH_H_
