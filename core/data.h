// Moving the CIFAR-10 dataset onto the run's device.
#ifndef CIFARBENCH_CORE_DATA_H_
#define CIFARBENCH_CORE_DATA_H_

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include "core/cifar.h"
#include "core/plugin.h"
#include "core/schedule.h"
#include "absl/status/statusor.h"
#include "proto/recipe.pb.h"

namespace cifarbench {

// uint8 images (N, 3, 32, 32) and int64 labels on `device`. The host copy is not kept.
DeviceData ToDevice(const CifarDataset& dataset, at::Device device);

// What the plugins derive from the device data before training, once per run: training images
// normalised and reflect-padded once (the references do both at load; crops are drawn every
// epoch), one-hot float targets, normalised test images in `memory_format`, and the step plan.
struct TrainingData {
  int64_t n_train = 0;
  at::Tensor train_padded;   // (N, 3, 32 + 2 pad, 32 + 2 pad), dtype
  at::Tensor train_targets;  // (N, 10) float
  at::Tensor test_images;    // (M, 3, 32, 32), dtype
  StepPlan plan;
};
// The training images reflect-padded by `pad` (the plugin's augment.pad). InvalidArgument when
// train.batch_size exceeds the training images.
absl::StatusOr<TrainingData> PrepareTrainingData(const DeviceData& data,
                                                 const v1::RecipeConfig& config, int64_t pad,
                                                 at::ScalarType dtype,
                                                 at::MemoryFormat memory_format);

// The dtype a recipe computes in: PRECISION_AUTO is the references' fp16 on CUDA, fp32 on CPU.
at::ScalarType ComputeDtype(v1::Precision precision, at::Device device);

// The layout a recipe computes in: channels_last unless the config asks for
// MEMORY_FORMAT_CONTIGUOUS (proto/recipe.proto's MemoryFormat says why).
at::MemoryFormat ComputeMemoryFormat(const v1::RecipeConfig& config);

// What ToComputeLayout does with BatchNorm layers (parameters and running statistics).
enum class BatchNormDtype {
  kCompute,  // `dtype`, as every other layer (hlb-CIFAR10's net.half(); hiverge's fp16 BN)
  kFloat,    // kept fp32 (Page's half() skips BatchNorm; airbench converts them back)
};

// Moves `module` to `device`; floating-point parameters and buffers become `dtype` (those of
// BatchNorm layers stay fp32 with BatchNormDtype::kFloat), integer buffers (BatchNorm's
// num_batches_tracked) keep theirs (LibTorch's Module::to(dtype) would convert them, unlike
// PyTorch's); 4-D parameters become channels_last when asked.
void ToComputeLayout(torch::nn::Module& module, at::Device device, at::ScalarType dtype,
                     bool channels_last, BatchNormDtype batch_norm = BatchNormDtype::kCompute);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_DATA_H_
