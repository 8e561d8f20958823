#include "core/data.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>  // at::NoGradGuard (not in ATen.h in 2.x)

#include "absl/strings/str_cat.h"
#include "core/augment.h"
#include "core/evaluate.h"

namespace cifarbench {

namespace {
void SplitToDevice(const CifarSplit& split, at::Device device, at::Tensor* images,
                   at::Tensor* labels) {
  // from_blob borrows the vectors; clone() on CPU / to() on a device makes the owned copy.
  at::Tensor img = at::from_blob(const_cast<uint8_t*>(split.images.data()),
                                 {split.size, 3, 32, 32}, at::TensorOptions().dtype(at::kByte));
  at::Tensor lab = at::from_blob(const_cast<uint8_t*>(split.labels.data()), {split.size},
                                 at::TensorOptions().dtype(at::kByte));
  *images = device.is_cpu() ? img.clone() : img.to(device);
  *labels = lab.to(device, at::kLong);
}
}  // namespace

DeviceData ToDevice(const CifarDataset& dataset, at::Device device) {
  DeviceData d;
  SplitToDevice(dataset.train, device, &d.train_images, &d.train_labels);
  SplitToDevice(dataset.test, device, &d.test_images, &d.test_labels);
  return d;
}

absl::StatusOr<TrainingData> PrepareTrainingData(const DeviceData& data,
                                                 const v1::RecipeConfig& config, int64_t pad,
                                                 at::ScalarType dtype,
                                                 at::MemoryFormat memory_format) {
  TrainingData t;
  t.n_train = data.train_images.size(0);
  t.plan = MakeStepPlan(t.n_train, config.train().batch_size(), config.train().epochs());
  if (t.plan.steps_per_epoch == 0) {
    return absl::InvalidArgumentError(absl::StrCat("train.batch_size ",
                                                   config.train().batch_size(), " exceeds the ",
                                                   t.n_train, " training images"));
  }
  t.train_padded = ReflectPad(Normalize(data.train_images, dtype), pad);
  t.train_targets = OneHot(data.train_labels, 10, at::kFloat);
  t.test_images = Normalize(data.test_images, dtype).contiguous(memory_format);
  return t;
}

at::MemoryFormat ComputeMemoryFormat(const v1::RecipeConfig& config) {
  return config.memory_format() == v1::MEMORY_FORMAT_CONTIGUOUS ? at::MemoryFormat::Contiguous
                                                                 : at::MemoryFormat::ChannelsLast;
}

at::ScalarType ComputeDtype(v1::Precision precision, at::Device device) {
  switch (precision) {
    case v1::PRECISION_FP32:
      return at::kFloat;
    case v1::PRECISION_BF16:
      return at::kBFloat16;
    case v1::PRECISION_FP16:
      return at::kHalf;
    default:
      return device.is_cuda() ? at::kHalf : at::kFloat;
  }
}

void ToComputeLayout(torch::nn::Module& module, at::Device device, at::ScalarType dtype,
                     bool channels_last) {
  at::NoGradGuard no_grad;
  module.to(device);
  for (at::Tensor& p : module.parameters()) {
    at::Tensor data = p.data().to(dtype);
    if (channels_last && data.dim() == 4) data = data.contiguous(at::MemoryFormat::ChannelsLast);
    p.set_data(data);
  }
  for (at::Tensor& b : module.buffers()) {
    if (at::isFloatingType(b.scalar_type())) b.set_data(b.data().to(dtype));
  }
}

}  // namespace cifarbench
