#include "core/timer.h"

#ifdef CIFARBENCH_WITH_CUDA
#include "core/cuda/cuda_timer.h"
#endif

#include <c10/core/impl/DeviceGuardImplInterface.h>

namespace cifarbench {

void SynchronizeDevice(at::Device device) {
  if (device.is_cpu()) return;
  // Through c10's device-generic interface: no CUDA headers or libraries are needed here, so
  // this file builds against a CPU-only LibTorch. All work runs on the current stream.
  const c10::impl::DeviceGuardImplInterface* impl = c10::impl::getDeviceGuardImpl(device.type());
  c10::Device d = device.has_index() ? device : impl->getDevice();
  impl->synchronizeStream(impl->getStream(d));
}

SpanTimer::SpanTimer(at::Device device) : device_(device) {
#ifdef CIFARBENCH_WITH_CUDA
  if (device.is_cuda()) device_span_ = MakeCudaEventSpan();
#endif
}

SpanTimer::~SpanTimer() = default;

void SpanTimer::Start() {
  SynchronizeDevice(device_);
  if (device_span_) device_span_->Start();
  start_ = std::chrono::steady_clock::now();
}

double SpanTimer::Stop() {
  if (device_span_) {
    const double s = device_span_->Stop();
    SynchronizeDevice(device_);
    return s;
  }
  SynchronizeDevice(device_);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

}  // namespace cifarbench
