// --save_logits / --save_weights: a run's final test logits and its headline network's weights
// saved beside the report (torch::save: load with torch::load in C++ or torch.load in Python),
// their paths recorded in the run report.
#ifndef CIFARBENCH_CORE_ARTIFACTS_H_
#define CIFARBENCH_CORE_ARTIFACTS_H_

#include <ATen/ATen.h>
#include <torch/nn/module.h>

#include "absl/status/status.h"
#include "core/plugin.h"
#include "proto/report.pb.h"

namespace cifarbench {

// Saves what the run's inputs ask for (nothing when inputs.artifacts_prefix is empty): `logits`
// (N, 10) to <prefix>.logits.pt, `module`'s parameters and buffers to <prefix>.weights.pt;
// appends each path to report->artifacts. Internal error naming the file when a write fails.
absl::Status SaveRunArtifacts(const RunInputs& inputs, const at::Tensor& logits,
                              torch::nn::Module& module, v1::RunReport* report);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_ARTIFACTS_H_
