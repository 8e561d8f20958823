// The plugin interface: a plugin trains and evaluates one recipe run on data already on the
// device, and fills the run report (epoch rows, phase timings, accuracies, status).
#ifndef CIFARBENCH_CORE_PLUGIN_H_
#define CIFARBENCH_CORE_PLUGIN_H_

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include <atomic>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>

#include "absl/status/status.h"
#include "core/registry.h"
#include "proto/recipe.pb.h"
#include "proto/report.pb.h"

namespace cifarbench {

// The dataset on the run's device, as read from the files.
struct DeviceData {
  at::Tensor train_images;  // uint8 (N, 3, 32, 32)
  at::Tensor train_labels;  // int64 (N)
  at::Tensor test_images;   // uint8 (M, 3, 32, 32)
  at::Tensor test_labels;   // int64 (M)
};

// Receives progress from a run; the runner prints it.
class RunObserver {
 public:
  virtual ~RunObserver() = default;
  // Whether OnStep wants the step's loss (reading it costs a device sync: only for a terminal).
  virtual bool WantsStepLoss() const { return false; }
  virtual void OnStep(int64_t step_in_epoch, int64_t steps_in_epoch, double loss,
                      double elapsed_s) {}
  virtual void OnEpoch(const v1::EpochRow& row) {}
};

// What the runner hands a plugin for one run. (A report's `context`, v1::Context from
// core/context.h, is something else: the machine and build the runs happened on.)
struct RunInputs {
  at::Device device = at::kCPU;
  const DeviceData* data = nullptr;
  uint64_t seed = 0;
  RunObserver* observer = nullptr;
  // Set by SIGINT/SIGTERM; a plugin checks it every step and ends with INTERRUPTED.
  const std::atomic<bool>* stop_requested = nullptr;
  bool StopRequested() const { return stop_requested != nullptr && stop_requested->load(); }
  // --save_logits / --save_weights: where the headline network's final test logits
  // (<prefix>.logits.pt) and weights (<prefix>.weights.pt) go, beside the report; "" = not
  // asked. Plugins call SaveRunArtifacts (core/artifacts.h).
  std::string artifacts_prefix;
  bool save_logits = false;
  bool save_weights = false;
};

// A network as the suite sees it, for FLOP/parameter accounting and shape checks.
using ForwardFn = std::function<at::Tensor(const at::Tensor&)>;
struct NetworkHandle {
  std::shared_ptr<torch::nn::Module> module;
  ForwardFn forward;  // (N, 3, 32, 32) float -> (N, 10)
};

class Plugin {
 public:
  virtual ~Plugin() = default;

  // One run. Fills report->epochs, timings, headline/live/ema accuracy, status (OK, DIVERGED,
  // INTERRUPTED) and train_steps/train_images. A non-OK Status means the run FAILED.
  virtual absl::Status Run(const v1::RecipeConfig& config, const RunInputs& inputs,
                           v1::RunReport* report) = 0;

  // The recipe's network on CPU in fp32, freshly initialised (no data-dependent init).
  virtual NetworkHandle BuildNetwork(const v1::RecipeConfig& config) = 0;
};

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_PLUGIN_H_
