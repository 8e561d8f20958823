#include "core/data.h"

#include <ATen/ATen.h>

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

}  // namespace cifarbench
