// The CUDA graph behind StepBodies' graph mode (core/step.h). Compiled only against a CUDA
// LibTorch; CI builds and links it against pip torch with CUDA 13.0 (tools/test_all.sh).
#ifndef CIFARBENCH_CORE_CUDA_CUDA_GRAPH_H_
#define CIFARBENCH_CORE_CUDA_CUDA_GRAPH_H_

#include <memory>

#include "core/step_graph.h"

namespace cifarbench {

std::unique_ptr<StepGraph> MakeCudaStepGraph();

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_CUDA_CUDA_GRAPH_H_
