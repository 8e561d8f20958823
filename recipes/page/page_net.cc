#include "recipes/page/page_net.h"

#include <ATen/ATen.h>
#include <c10/util/Exception.h>

#include <string>
#include <utility>

#include "absl/strings/str_cat.h"

namespace cifarbench::page {

ConvBnImpl::ConvBnImpl(int64_t in, int64_t out, double bn_eps, double bn_momentum) {
  conv = register_module(
      "conv", torch::nn::Conv2d(torch::nn::Conv2dOptions(in, out, 3).padding(1).bias(false)));
  // LibTorch's defaults are the reference's: weight 1, bias 0, both trained.
  bn = register_module(
      "bn", torch::nn::BatchNorm2d(
                torch::nn::BatchNorm2dOptions(out).eps(bn_eps).momentum(bn_momentum)));
}

at::Tensor ConvBnImpl::forward(const at::Tensor& x) {
  at::Tensor y = conv->forward(x);
  const at::ScalarType bn_dtype = bn->weight.scalar_type();
  if (y.scalar_type() != bn_dtype && !y.is_cuda()) {
    // CUDA's batch norm takes fp16/bf16 input with fp32 parameters and statistics directly
    // (it computes in fp32 and returns the input's dtype: cuDNN's mixed mode, as the reference
    // ran it). CPU kernels need one dtype, so cast around BatchNorm there.
    y = bn->forward(y.to(bn_dtype)).to(y.scalar_type());
  } else {
    y = bn->forward(y);
  }
  return at::relu(y);
}

ResidualImpl::ResidualImpl(int64_t channels, double bn_eps, double bn_momentum) {
  res1 = register_module("res1", ConvBn(channels, channels, bn_eps, bn_momentum));
  res2 = register_module("res2", ConvBn(channels, channels, bn_eps, bn_momentum));
}

at::Tensor ResidualImpl::forward(const at::Tensor& x) {
  return x + res2->forward(res1->forward(x));
}

PageNetImpl::PageNetImpl(const PageModel& model) : output_scale(model.output_scale()) {
  TORCH_CHECK(model.widths_size() == 4, "the page network needs 4 model.widths (prep, layer1, "
              "layer2, layer3), got ", model.widths_size());
  const double eps = model.bn_eps();
  const double mom = model.bn_momentum();
  const int64_t w0 = model.widths(0), w1 = model.widths(1), w2 = model.widths(2),
                w3 = model.widths(3);
  prep = register_module("prep", ConvBn(3, w0, eps, mom));
  layer1 = register_module("layer1", ConvBn(w0, w1, eps, mom));
  res1 = register_module("res1", Residual(w1, eps, mom));
  layer2 = register_module("layer2", ConvBn(w1, w2, eps, mom));
  layer3 = register_module("layer3", ConvBn(w2, w3, eps, mom));
  res3 = register_module("res3", Residual(w3, eps, mom));
  head = register_module("head", torch::nn::Linear(torch::nn::LinearOptions(w3, 10).bias(false)));
}

at::Tensor PageNetImpl::forward(const at::Tensor& x) {
  at::Tensor y = prep->forward(x);                           // (N, w0, 32, 32)
  y = at::max_pool2d(layer1->forward(y), {2, 2});            // (N, w1, 16, 16)
  y = res1->forward(y);
  y = at::max_pool2d(layer2->forward(y), {2, 2});            // (N, w2, 8, 8)
  y = at::max_pool2d(layer3->forward(y), {2, 2});            // (N, w3, 4, 4)
  y = res3->forward(y);
  y = at::max_pool2d(y, {4, 4}).flatten(1);                  // (N, w3)
  return head->forward(y) * output_scale;                    // (N, 10)
}

std::vector<SgdGroup> PageParamGroups(const PageOptimizer& optimizer, PageNetImpl& net) {
  SgdGroup g;
  g.name = "params";
  g.weight_decay = optimizer.params().weight_decay();
  for (const at::Tensor& p : net.parameters()) {
    if (p.requires_grad()) g.params.push_back(p);
  }
  std::vector<SgdGroup> groups;
  groups.push_back(std::move(g));
  return groups;
}

}  // namespace cifarbench::page
