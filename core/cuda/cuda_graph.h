// The CUDA graph behind TrainStep's graph mode (core/step.h). Compiled only against a CUDA
// LibTorch; CI checks this file's syntax against Debian's headers and CUDA's.
#ifndef CIFARBENCH_CORE_CUDA_CUDA_GRAPH_H_
#define CIFARBENCH_CORE_CUDA_CUDA_GRAPH_H_

#include <memory>

#include "core/step_graph.h"

namespace cifarbench {

std::unique_ptr<StepGraph> MakeCudaStepGraph();

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_CUDA_CUDA_GRAPH_H_
