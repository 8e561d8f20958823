// Where a run happens: the report's context block, and the source tree's location.
#ifndef CIFARBENCH_CORE_CONTEXT_H_
#define CIFARBENCH_CORE_CONTEXT_H_

#include <ATen/ATen.h>

#include <string>

#include "absl/status/statusor.h"
#include "proto/report.pb.h"

namespace cifarbench {

// The source tree: BUILD_WORKSPACE_DIRECTORY under `bazel run`, else the folder CMake recorded
// at configure time (CIFARBENCH_SOURCE_ROOT), else "".
std::string SourceRoot();

// Parses --device: "auto" (CUDA when usable, else CPU), "cpu", "cuda", "cuda:N".
// FailedPrecondition when CUDA is asked for but this LibTorch build or machine has none.
absl::StatusOr<at::Device> ChooseDevice(const std::string& flag);

// Date, host, device name, driver, CUDA/cuDNN/LibTorch versions, cuDNN benchmark and TF32
// settings, git revision and build type. Fields that cannot be known are left empty.
v1::Context CollectContext(at::Device device);

// Current UTC time, ISO 8601.
std::string NowIso8601();

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_CONTEXT_H_
