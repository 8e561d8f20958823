// Nesterov SGD with parameter groups (two update rules, see proto/blocks.proto's
// OptimizerKind) and the hlb-CIFAR10 EMA / lookahead. Updates use LibTorch's foreach kernels.
#ifndef CIFARBENCH_CORE_OPTIM_H_
#define CIFARBENCH_CORE_OPTIM_H_

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <functional>
#include <string>
#include <vector>

#include "proto/blocks.pb.h"

namespace cifarbench {

struct SgdGroup {
  std::string name;
  std::vector<at::Tensor> params;
  double lr = 0;            // the current rate (the schedule sets it every step)
  double weight_decay = 0;  // added to the gradient: g = grad + wd * w
};

class NesterovSgd {
 public:
  NesterovSgd(v1::OptimizerKind kind, double momentum, std::vector<SgdGroup> groups);

  // SGD_NESTEROV (torch.optim.SGD, nesterov=True, dampening 0):
  //   g = grad + wd * w; v = mu * v + g; w = w - lr * (g + mu * v)
  // PAGE_NESTEROV (cifar10-fast, the rate inside the buffer):
  //   g = grad + wd * w; d = -lr * g; v = mu * v + d; w = w + d + mu * v
  // Momentum buffers start at zero, which makes the first SGD_NESTEROV step equal PyTorch's
  // (it initialises the buffer to g). Parameters without a gradient are skipped.
  // Step() = LoadRates() + StepOnDevice().
  void Step();
  // Copies each group's `lr` into its rate tensor on the parameters' device (a fill, no host
  // synchronisation). A CUDA graph replays StepOnDevice() with whatever the rate tensors hold,
  // so the schedule calls this before every replay.
  void LoadRates();
  // The update, reading the rates from the rate tensors only: nothing in it depends on host
  // values that change between steps, so it can be captured in a CUDA graph.
  void StepOnDevice();
  // Drops every gradient (set_to_none).
  void ZeroGrad();

  std::vector<SgdGroup>& groups() { return groups_; }
  const std::vector<std::vector<at::Tensor>>& momentum_buffers() const { return buffers_; }

 private:
  v1::OptimizerKind kind_;
  double momentum_;
  std::vector<SgdGroup> groups_;
  std::vector<std::vector<at::Tensor>> buffers_;
  // Per group: a 0-dim tensor holding -lr (fp32; fp64 for fp64 parameters), on their device.
  std::vector<at::Tensor> neg_rates_;
};

// hlb-CIFAR10's NetworkEMA: the EMA network is a second instance of the same architecture.
// Update: ema = ema * decay + net * (1 - decay) over every floating-point parameter and buffer
// (BatchNorm running statistics included), then the EMA is copied back into the live network
// for the entries `copy_back(name)` accepts (hlb: all but BN weights and the whitening conv).
class NetworkEma {
 public:
  NetworkEma(torch::nn::Module& live, torch::nn::Module& ema,
             std::function<bool(const std::string&)> copy_back);

  bool initialized() const { return initialized_; }
  // Copies the live network's state into the EMA network (the first event only snapshots).
  void Snapshot();
  void Update(double decay);

 private:
  std::vector<at::Tensor> live_;
  std::vector<at::Tensor> ema_;
  std::vector<at::Tensor> live_back_;  // the copy-back subset
  std::vector<at::Tensor> ema_back_;
  bool initialized_ = false;
};

// Every floating-point parameter and buffer of `module`, with its dotted name, in a fixed order.
std::vector<std::pair<std::string, at::Tensor>> FloatState(torch::nn::Module& module);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_OPTIM_H_
