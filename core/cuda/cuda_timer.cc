#include "core/cuda/cuda_timer.h"

#include <ATen/cuda/CUDAContext.h>
#include <ATen/cuda/CUDAEvent.h>

namespace cifarbench {
namespace {

class CudaEventSpan : public DeviceSpan {
 public:
  void Start() override { start_.record(at::cuda::getCurrentCUDAStream()); }
  double Stop() override {
    end_.record(at::cuda::getCurrentCUDAStream());
    end_.synchronize();
    return static_cast<double>(start_.elapsed_time(end_)) / 1000.0;
  }

 private:
  // cudaEventDefault: timing enabled (CUDAEvent's default flags disable it).
  at::cuda::CUDAEvent start_{cudaEventDefault};
  at::cuda::CUDAEvent end_{cudaEventDefault};
};

}  // namespace

std::unique_ptr<DeviceSpan> MakeCudaEventSpan() { return std::make_unique<CudaEventSpan>(); }

}  // namespace cifarbench
