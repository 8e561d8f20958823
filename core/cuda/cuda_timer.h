// CUDA event timing for SpanTimer. Compiled only against a CUDA LibTorch
// (CIFARBENCH_WITH_CUDA); CI builds and links it against pip torch with CUDA 13.0.
#ifndef CIFARBENCH_CORE_CUDA_CUDA_TIMER_H_
#define CIFARBENCH_CORE_CUDA_CUDA_TIMER_H_

#include <memory>

#include "core/timer.h"

namespace cifarbench {

// A pair of CUDA events (timing enabled) on the current stream: Stop() records the end event,
// waits for it and returns the GPU time between the two, in seconds.
std::unique_ptr<DeviceSpan> MakeCudaEventSpan();

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_CUDA_CUDA_TIMER_H_
