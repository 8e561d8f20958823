// Span timers for the named phases of a run. On a CUDA device: CUDA events on the current
// stream, with a device synchronize at both ends of the span (so nothing queued before the
// span is counted in it, and nothing inside it escapes); on CPU a steady clock.
#ifndef CIFARBENCH_CORE_TIMER_H_
#define CIFARBENCH_CORE_TIMER_H_

#include <ATen/ATen.h>

#include <chrono>
#include <memory>

namespace cifarbench {

// Blocks until all work queued on `device` has finished (no-op on CPU).
void SynchronizeDevice(at::Device device);

// A device-side span (CUDA events: core/cuda/cuda_timer.h, in CUDA builds only).
class DeviceSpan {
 public:
  virtual ~DeviceSpan() = default;
  virtual void Start() = 0;
  virtual double Stop() = 0;  // seconds
};

class SpanTimer {
 public:
  explicit SpanTimer(at::Device device);
  ~SpanTimer();
  void Start();
  // Seconds since Start(): the CUDA events' elapsed time on CUDA (CUDA builds), else the
  // steady clock's.
  double Stop();

 private:
  at::Device device_;
  std::chrono::steady_clock::time_point start_;
  std::unique_ptr<DeviceSpan> device_span_;
};

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_TIMER_H_
