// Moving the CIFAR-10 dataset onto the run's device.
#ifndef CIFARBENCH_CORE_DATA_H_
#define CIFARBENCH_CORE_DATA_H_

#include <ATen/ATen.h>

#include "core/cifar.h"
#include "core/plugin.h"

namespace cifarbench {

// uint8 images (N, 3, 32, 32) and int64 labels on `device`. The host copy is not kept.
DeviceData ToDevice(const CifarDataset& dataset, at::Device device);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_DATA_H_
