// Span timers for the named phases of a run. On a CUDA device the span is closed by a device
// synchronize at both ends, so it measures the GPU work issued inside it; on CPU a steady clock.
#ifndef CIFARBENCH_CORE_TIMER_H_
#define CIFARBENCH_CORE_TIMER_H_

#include <ATen/ATen.h>

#include <chrono>

namespace cifarbench {

// Blocks until all work queued on `device` has finished (no-op on CPU).
void SynchronizeDevice(at::Device device);

class SpanTimer {
 public:
  explicit SpanTimer(at::Device device) : device_(device) {}
  void Start();
  // Seconds since Start().
  double Stop();

 private:
  at::Device device_;
  std::chrono::steady_clock::time_point start_;
};

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_TIMER_H_
