#include "core/timer.h"

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

void SpanTimer::Start() {
  SynchronizeDevice(device_);
  start_ = std::chrono::steady_clock::now();
}

double SpanTimer::Stop() {
  SynchronizeDevice(device_);
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start_).count();
}

}  // namespace cifarbench
