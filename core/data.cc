#include "core/data.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>  // at::NoGradGuard (not in ATen.h in 2.x)
#include <torch/nn/modules/batchnorm.h>

#include <unordered_set>

#include "absl/strings/str_cat.h"
#include "core/augment.h"
#include "core/loss.h"

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
                     bool channels_last, BatchNormDtype batch_norm) {
  at::NoGradGuard no_grad;
  module.to(device);
  // The tensors that keep fp32: every parameter and buffer of a BatchNorm layer, when asked.
  std::unordered_set<const c10::TensorImpl*> keep_fp32;
  if (batch_norm == BatchNormDtype::kFloat) {
    auto keep_if_batch_norm = [&keep_fp32](torch::nn::Module& m) {
      if (!m.as<torch::nn::BatchNorm1d>() && !m.as<torch::nn::BatchNorm2d>() &&
          !m.as<torch::nn::BatchNorm3d>()) {
        return;
      }
      for (const at::Tensor& t : m.parameters()) keep_fp32.insert(t.unsafeGetTensorImpl());
      for (const at::Tensor& t : m.buffers()) keep_fp32.insert(t.unsafeGetTensorImpl());
    };
    // include_self=false: a module on the stack (not in a shared_ptr) has no self to return.
    keep_if_batch_norm(module);
    for (const auto& m : module.modules(/*include_self=*/false)) keep_if_batch_norm(*m);
  }
  for (at::Tensor& p : module.parameters()) {
    const at::ScalarType to = keep_fp32.count(p.unsafeGetTensorImpl()) ? at::kFloat : dtype;
    at::Tensor data = p.data().to(to);
    if (channels_last && data.dim() == 4) data = data.contiguous(at::MemoryFormat::ChannelsLast);
    p.set_data(data);
  }
  for (at::Tensor& b : module.buffers()) {
    if (!at::isFloatingType(b.scalar_type())) continue;
    b.set_data(b.data().to(keep_fp32.count(b.unsafeGetTensorImpl()) ? at::kFloat : dtype));
  }
}

}  // namespace cifarbench
