#include "core/artifacts.h"

#include <torch/serialize.h>

#include <exception>
#include <string>

namespace cifarbench {

absl::Status SaveRunArtifacts(const RunInputs& inputs, const at::Tensor& logits,
                              torch::nn::Module& module, v1::RunReport* report) {
  if (inputs.artifacts_prefix.empty()) return absl::OkStatus();
  std::string path;
  try {
    if (inputs.save_logits) {
      path = inputs.artifacts_prefix + ".logits.pt";
      torch::save(logits.detach().to(at::kFloat).cpu(), path);
      report->add_artifacts(path);
    }
    if (inputs.save_weights) {
      path = inputs.artifacts_prefix + ".weights.pt";
      torch::serialize::OutputArchive archive;
      module.save(archive);
      archive.save_to(path);
      report->add_artifacts(path);
    }
  } catch (const std::exception& e) {
    return absl::InternalError("cannot write " + path + ": " + e.what());
  }
  return absl::OkStatus();
}

}  // namespace cifarbench
