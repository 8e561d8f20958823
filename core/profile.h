// bench --profile: LibTorch's profiler around one run, summarised as Markdown: where the time
// goes per device (operators on the CPU, kernels on the GPU), and on the GPU how busy it was
// (the union of kernel intervals) against the span from the first kernel's start to the last
// one's end, i.e. the gaps between kernels that launch overhead or host work leave.
//
// The summary comes from the profiler's event list (KinetoEvent), which LibTorch builds with or
// without Kineto (Debian's CPU LibTorch has no Kineto: CPU operators only; a CUDA build with
// Kineto adds the kernels, CUDA graph replays included).
#ifndef CIFARBENCH_CORE_PROFILE_H_
#define CIFARBENCH_CORE_PROFILE_H_

#include <ATen/ATen.h>

#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"

namespace cifarbench {

// One profiled event, in nanoseconds on the profiler's clock.
struct ProfiledEvent {
  std::string name;
  bool on_gpu = false;  // a device kernel or memcpy/memset (else a CPU operator)
  uint64_t start_ns = 0;
  uint64_t duration_ns = 0;
};

struct ProfileSummary {
  struct Row {
    std::string name;
    int64_t count = 0;
    uint64_t total_ns = 0;
  };
  std::vector<Row> cpu;  // by total time, descending (operators nest: totals are inclusive)
  std::vector<Row> gpu;  // kernels, by total time, descending
  int64_t gpu_events = 0;
  uint64_t gpu_busy_ns = 0;   // union of the GPU events' intervals
  uint64_t gpu_span_ns = 0;   // first GPU start to last GPU end
  uint64_t gpu_kernel_ns = 0; // sum of GPU durations (> busy when kernels overlap)
  int64_t cpu_events = 0;
};

ProfileSummary SummarizeProfile(const std::vector<ProfiledEvent>& events);

// Markdown: the GPU busy/span line (when there are GPU events), then the top `top` rows per
// device with count, total ms, mean us and share of that device's total. `what` heads it.
std::string ProfileMarkdown(const ProfileSummary& summary, const std::string& what, int top = 25);

// Starts LibTorch's profiler (CPU operators; CUDA kernels too when `device` is CUDA);
// FailedPrecondition when it cannot start (another profiler active).
absl::Status StartProfiler(at::Device device);
// Stops it and returns its events.
absl::StatusOr<std::vector<ProfiledEvent>> StopProfiler();

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_PROFILE_H_
