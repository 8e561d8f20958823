// Moving the CIFAR-10 dataset onto the run's device.
#ifndef CIFARBENCH_CORE_DATA_H_
#define CIFARBENCH_CORE_DATA_H_

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include "core/cifar.h"
#include "core/plugin.h"
#include "proto/recipe.pb.h"

namespace cifarbench {

// uint8 images (N, 3, 32, 32) and int64 labels on `device`. The host copy is not kept.
DeviceData ToDevice(const CifarDataset& dataset, at::Device device);

// The dtype a recipe computes in: PRECISION_AUTO is the references' fp16 on CUDA, fp32 on CPU.
at::ScalarType ComputeDtype(v1::Precision precision, at::Device device);

// Moves `module` to `device`; floating-point parameters and buffers become `dtype`, integer
// buffers (BatchNorm's num_batches_tracked) keep theirs (LibTorch's Module::to(dtype) would
// convert them, unlike PyTorch's); 4-D parameters become channels_last when asked.
void ToComputeLayout(torch::nn::Module& module, at::Device device, at::ScalarType dtype,
                     bool channels_last);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_DATA_H_
