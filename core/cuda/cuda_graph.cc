#include "core/cuda/cuda_graph.h"

#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAGraph.h>
#include <c10/cuda/CUDAException.h>
#include <c10/cuda/CUDAGuard.h>
#include <c10/cuda/CUDAStream.h>
#include <cuda_runtime_api.h>

namespace cifarbench {
namespace {

class CudaStepGraph : public StepGraph {
 public:
  void Capture(const std::function<void()>& body, int warmup_steps,
               const std::function<void()>& restore) override {
    // Capture needs a stream other than the legacy default one; the warm-up runs there too, so
    // that the autograd engine and cuDNN have seen the exact work before it is recorded.
    C10_CUDA_CHECK(cudaDeviceSynchronize());
    c10::cuda::CUDAStream side = c10::cuda::getStreamFromPool();
    {
      c10::cuda::CUDAStreamGuard guard(side);
      for (int i = 0; i < warmup_steps; ++i) body();
      restore();
      side.synchronize();
      graph_.capture_begin();
      body();
      graph_.capture_end();
    }
    C10_CUDA_CHECK(cudaDeviceSynchronize());
  }

  // Launched on the current stream, after the batch copies and rate fills queued there.
  void Replay() override { graph_.replay(); }

 private:
  at::cuda::CUDAGraph graph_;
};

}  // namespace

std::unique_ptr<StepGraph> MakeCudaStepGraph() { return std::make_unique<CudaStepGraph>(); }

}  // namespace cifarbench
