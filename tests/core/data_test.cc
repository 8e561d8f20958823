#include "core/data.h"

#include <ATen/ATen.h>
#include <ATen/core/grad_mode.h>  // at::NoGradGuard (not in ATen.h in 2.x)
#include <torch/nn/modules/batchnorm.h>
#include <torch/nn/modules/conv.h>

#include "gtest/gtest.h"

namespace cifarbench {
namespace {

TEST(DataTest, ToDeviceKeepsImagesAndLabels) {
  CifarDataset ds;
  ds.train.size = 2;
  ds.train.images.assign(2 * 3072, 7);
  ds.train.images[3072] = 200;  // image 1, red plane, pixel (0, 0)
  ds.train.labels = {3, 9};
  ds.test.size = 1;
  ds.test.images.assign(3072, 1);
  ds.test.labels = {0};
  DeviceData d = ToDevice(ds, at::kCPU);
  EXPECT_EQ(d.train_images.sizes(), at::IntArrayRef({2, 3, 32, 32}));
  EXPECT_EQ(d.train_images.scalar_type(), at::kByte);
  EXPECT_EQ(d.train_images[1][0][0][0].item<int>(), 200);
  EXPECT_EQ(d.train_labels.scalar_type(), at::kLong);
  EXPECT_EQ(d.train_labels[1].item<int64_t>(), 9);
  EXPECT_EQ(d.test_images.size(0), 1);
}

TEST(DataTest, ComputeMemoryFormatIsChannelsLastUnlessAskedOnEveryDevice) {
  v1::RecipeConfig config;
  EXPECT_EQ(ComputeMemoryFormat(config), at::MemoryFormat::ChannelsLast);
  config.set_memory_format(v1::MEMORY_FORMAT_CHANNELS_LAST);
  EXPECT_EQ(ComputeMemoryFormat(config), at::MemoryFormat::ChannelsLast);
  config.set_memory_format(v1::MEMORY_FORMAT_CONTIGUOUS);
  EXPECT_EQ(ComputeMemoryFormat(config), at::MemoryFormat::Contiguous);
}

TEST(DataTest, ComputeDtype) {
  EXPECT_EQ(ComputeDtype(v1::PRECISION_AUTO, at::kCPU), at::kFloat);
  EXPECT_EQ(ComputeDtype(v1::PRECISION_AUTO, at::Device(at::kCUDA, 0)), at::kHalf);
  EXPECT_EQ(ComputeDtype(v1::PRECISION_BF16, at::kCPU), at::kBFloat16);
  EXPECT_EQ(ComputeDtype(v1::PRECISION_FP32, at::Device(at::kCUDA, 0)), at::kFloat);
}

struct NetImpl : torch::nn::Module {
  NetImpl() {
    conv = register_module("conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(3, 4, 3)));
    bn = register_module("bn", torch::nn::BatchNorm2d(4));
  }
  torch::nn::Conv2d conv{nullptr};
  torch::nn::BatchNorm2d bn{nullptr};
};

TEST(DataTest, ToComputeLayoutConvertsFloatsOnly) {
  NetImpl net;
  ToComputeLayout(net, at::kCPU, at::kBFloat16, /*channels_last=*/true);
  EXPECT_EQ(net.conv->weight.scalar_type(), at::kBFloat16);
  EXPECT_TRUE(net.conv->weight.is_contiguous(at::MemoryFormat::ChannelsLast));
  EXPECT_EQ(net.bn->running_mean.scalar_type(), at::kBFloat16);
  // LibTorch's Module::to(dtype) would make this floating point (PyTorch's does not).
  EXPECT_EQ(net.bn->num_batches_tracked.scalar_type(), at::kLong);
  EXPECT_TRUE(net.conv->weight.requires_grad());
}

// BatchNormDtype::kFloat (Page's and airbench's mixed precision): the BatchNorm layer's
// parameters and running statistics stay fp32 with their values, everything else converts.
TEST(DataTest, ToComputeLayoutCanKeepBatchNormInFp32) {
  NetImpl net;
  {
    at::NoGradGuard no_grad;
    net.bn->weight.fill_(0.1);  // not representable in bf16: a round trip would change it
    net.bn->running_var.fill_(0.3);
  }
  ToComputeLayout(net, at::kCPU, at::kBFloat16, /*channels_last=*/true, BatchNormDtype::kFloat);
  EXPECT_EQ(net.conv->weight.scalar_type(), at::kBFloat16);
  EXPECT_EQ(net.conv->bias.scalar_type(), at::kBFloat16);
  EXPECT_TRUE(net.conv->weight.is_contiguous(at::MemoryFormat::ChannelsLast));
  for (const at::Tensor& t : {net.bn->weight, net.bn->bias, net.bn->running_mean, net.bn->running_var}) {
    EXPECT_EQ(t.scalar_type(), at::kFloat);
  }
  EXPECT_EQ(net.bn->weight[0].item<float>(), 0.1f);
  EXPECT_EQ(net.bn->running_var[0].item<float>(), 0.3f);
  EXPECT_EQ(net.bn->num_batches_tracked.scalar_type(), at::kLong);
  EXPECT_TRUE(net.bn->weight.requires_grad());
  // The default converts BatchNorm too.
  NetImpl all;
  ToComputeLayout(all, at::kCPU, at::kBFloat16, /*channels_last=*/false);
  EXPECT_EQ(all.bn->weight.scalar_type(), at::kBFloat16);
  EXPECT_EQ(all.bn->running_var.scalar_type(), at::kBFloat16);
}

}  // namespace
}  // namespace cifarbench
