#include "core/context.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>
#include <ATen/detail/CUDAHooksInterface.h>
#include <torch/cuda.h>
#include <torch/version.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <cstdlib>
#include <ctime>
#include <fstream>

#include "absl/strings/ascii.h"
#include "absl/strings/numbers.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_split.h"
#include "core/host_memory.h"

#ifndef CIFARBENCH_BUILD_TYPE
#define CIFARBENCH_BUILD_TYPE "unknown"
#endif

namespace cifarbench {

namespace {

// First line of a shell command's output, "" when it fails.
std::string CommandOutput(const std::string& command) {
  FILE* pipe = popen((command + " 2>/dev/null").c_str(), "r");
  if (pipe == nullptr) return "";
  std::string out;
  std::array<char, 512> buf;
  while (fgets(buf.data(), buf.size(), pipe) != nullptr) out += buf.data();
  if (pclose(pipe) != 0) return "";
  return std::string(absl::StripAsciiWhitespace(out));
}

std::string CpuModel() {
  std::ifstream in("/proc/cpuinfo");
  std::string line;
  while (std::getline(in, line)) {
    if (absl::StartsWith(line, "model name")) {
      auto pos = line.find(':');
      if (pos != std::string::npos) {
        return std::string(absl::StripAsciiWhitespace(line.substr(pos + 1)));
      }
    }
  }
  return "unknown CPU";
}

}  // namespace

std::string SourceRoot() {
  if (const char* ws = std::getenv("BUILD_WORKSPACE_DIRECTORY"); ws != nullptr && *ws) return ws;
#ifdef CIFARBENCH_SOURCE_ROOT
  return CIFARBENCH_SOURCE_ROOT;
#else
  return "";
#endif
}

absl::StatusOr<at::Device> ChooseDevice(const std::string& flag) {
  if (flag == "cpu") return at::Device(at::kCPU);
  // torch::cuda::device_count(): the same call in LibTorch 1.13 and 2.x (the CUDA hooks'
  // getNumGPUs() became deviceCount() in 2.x).
  const int gpus = at::hasCUDA() ? static_cast<int>(torch::cuda::device_count()) : 0;
  const bool cuda_ok = gpus > 0;
  if (flag == "auto") return cuda_ok ? at::Device(at::kCUDA, 0) : at::Device(at::kCPU);
  if (flag == "cuda" || absl::StartsWith(flag, "cuda:")) {
    if (!at::hasCUDA()) {
      return absl::FailedPreconditionError(
          "--device=" + flag +
          ": this build's LibTorch has no CUDA support (rebuild against a CUDA LibTorch: "
          "LIBTORCH_HOME for Bazel, pip torch for CMake; see README), or use --device=cpu");
    }
    if (!cuda_ok) {
      return absl::FailedPreconditionError("--device=" + flag +
                                           ": no usable CUDA GPU on this machine; use "
                                           "--device=cpu");
    }
    int index = 0;
    if (flag.size() > 5) index = std::atoi(flag.c_str() + 5);
    if (index < 0 || index >= gpus) {
      return absl::FailedPreconditionError(
          absl::StrCat("--device=", flag, ": only ", gpus, " CUDA device(s)"));
    }
    return at::Device(at::kCUDA, static_cast<c10::DeviceIndex>(index));
  }
  return absl::InvalidArgumentError("--device=" + flag +
                                    ": expected auto, cpu, cuda or cuda:N");
}

std::string NowIso8601() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof(buf), "%Y-%m-%dT%H:%M:%SZ", &tm);
  return buf;
}

v1::Context CollectContext(at::Device device) {
  v1::Context c;
  c.set_date(NowIso8601());
  char host[256] = {0};
  if (gethostname(host, sizeof(host) - 1) == 0) c.set_host(host);
  c.set_device(device.str());
  c.set_libtorch_version(TORCH_VERSION);
  c.set_cpu_threads(at::get_num_threads());
  c.set_host_malloc(HostMallocDescription());
  c.set_build_type(CIFARBENCH_BUILD_TYPE);
  if (device.is_cuda()) {
    const auto& hooks = at::detail::getCUDAHooks();
    const long cudart = hooks.versionCUDART();
    c.set_cuda_version(absl::StrCat(cudart / 1000, ".", (cudart % 1000) / 10));
    if (hooks.hasCuDNN()) {
      const long cudnn = hooks.versionCuDNN();
      c.set_cudnn_version(absl::StrCat(cudnn));
    }
    c.set_cudnn_benchmark(at::globalContext().benchmarkCuDNN());
    c.set_tf32_allowed(at::globalContext().allowTF32CuBLAS() ||
                       at::globalContext().allowTF32CuDNN());
    // The driver tells name and version through nvidia-smi; LibTorch's CPU-side API does not.
    // Clocks and the power limit too (what the driver tells; "[N/A]" reads as 0).
    std::string smi = CommandOutput(absl::StrCat(
        "nvidia-smi --query-gpu=name,driver_version,clocks.sm,clocks.max.sm,clocks.mem,"
        "power.limit --format=csv,noheader,nounits -i ",
        static_cast<int>(device.has_index() ? device.index() : 0)));
    std::vector<std::string> parts = absl::StrSplit(smi, ", ");
    auto number = [&parts](size_t i) {
      double v = 0;
      return i < parts.size() && absl::SimpleAtod(parts[i], &v) ? v : 0.0;
    };
    if (parts.size() >= 2) {
      c.set_device_name(parts[0]);
      c.set_driver_version(parts[1]);
      c.set_gpu_sm_clock_mhz(number(2));
      c.set_gpu_max_sm_clock_mhz(number(3));
      c.set_gpu_mem_clock_mhz(number(4));
      c.set_gpu_power_limit_w(number(5));
    }
  } else {
    c.set_device_name(CpuModel());
  }
  const std::string root = SourceRoot();
  if (!root.empty()) {
    std::string rev = CommandOutput("git -C '" + root + "' rev-parse --short=12 HEAD");
    if (!rev.empty()) {
      std::string dirty = CommandOutput("git -C '" + root + "' status --porcelain --untracked-files=no");
      c.set_git_revision(dirty.empty() ? rev : rev + "-dirty");
    }
  }
  return c;
}

}  // namespace cifarbench
