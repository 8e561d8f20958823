#include "core/profile.h"

#include <torch/csrc/autograd/profiler_kineto.h>

#include <algorithm>
#include <map>
#include <set>
#include <utility>

#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"

namespace cifarbench {
namespace {

namespace tp = torch::profiler::impl;
namespace ap = torch::autograd::profiler;

// KinetoEvent's clock accessors were microseconds (startUs/durationUs, LibTorch 1.x and early 2.x)
// and are nanoseconds in later 2.x (startNs/durationNs): use whichever this LibTorch has.
template <typename E>
auto StartNs(const E& e, int) -> decltype(static_cast<uint64_t>(e.startNs())) {
  return e.startNs();
}
template <typename E>
uint64_t StartNs(const E& e, long) {
  return static_cast<uint64_t>(e.startUs()) * 1000;
}
template <typename E>
auto DurationNs(const E& e, int) -> decltype(static_cast<uint64_t>(e.durationNs())) {
  return e.durationNs();
}
template <typename E>
uint64_t DurationNs(const E& e, long) {
  return static_cast<uint64_t>(e.durationUs()) * 1000;
}

std::vector<ProfileSummary::Row> Rank(const std::map<std::string, ProfileSummary::Row>& rows) {
  std::vector<ProfileSummary::Row> out;
  out.reserve(rows.size());
  for (const auto& [name, row] : rows) out.push_back(row);
  std::stable_sort(out.begin(), out.end(), [](const auto& a, const auto& b) {
    return a.total_ns != b.total_ns ? a.total_ns > b.total_ns : a.name < b.name;
  });
  return out;
}

void Table(const std::vector<ProfileSummary::Row>& rows, const char* what, int top,
           std::string* out) {
  uint64_t total = 0;
  for (const auto& r : rows) total += r.total_ns;
  absl::StrAppend(out, "| ", what, " | count | total ms | mean us | share |\n|---|---:|---:|---:|---:|\n");
  for (size_t i = 0; i < rows.size() && static_cast<int>(i) < top; ++i) {
    const auto& r = rows[i];
    std::string name = r.name;
    if (name.size() > 90) name = name.substr(0, 87) + "...";
    for (char& c : name) {
      if (c == '|') c = '/';
    }
    absl::StrAppendFormat(out, "| `%s` | %d | %.3f | %.1f | %.1f%% |\n", name, r.count,
                          r.total_ns / 1e6, r.count > 0 ? r.total_ns / 1e3 / r.count : 0.0,
                          total > 0 ? 100.0 * r.total_ns / total : 0.0);
  }
  if (static_cast<int>(rows.size()) > top) {
    absl::StrAppend(out, "| (", rows.size() - top, " more) | | | | |\n");
  }
}

}  // namespace

ProfileSummary SummarizeProfile(const std::vector<ProfiledEvent>& events) {
  ProfileSummary s;
  std::map<std::string, ProfileSummary::Row> cpu, gpu;
  std::vector<std::pair<uint64_t, uint64_t>> intervals;
  for (const ProfiledEvent& e : events) {
    auto& rows = e.on_gpu ? gpu : cpu;
    ProfileSummary::Row& row = rows[e.name];
    row.name = e.name;
    row.count += 1;
    row.total_ns += e.duration_ns;
    if (e.on_gpu) {
      ++s.gpu_events;
      s.gpu_kernel_ns += e.duration_ns;
      intervals.emplace_back(e.start_ns, e.start_ns + e.duration_ns);
    } else {
      ++s.cpu_events;
    }
  }
  s.cpu = Rank(cpu);
  s.gpu = Rank(gpu);
  if (!intervals.empty()) {
    std::sort(intervals.begin(), intervals.end());
    uint64_t first = intervals.front().first, last = 0;
    uint64_t cur_start = intervals.front().first, cur_end = intervals.front().second;
    for (const auto& [a, b] : intervals) {
      last = std::max(last, b);
      if (a > cur_end) {
        s.gpu_busy_ns += cur_end - cur_start;
        cur_start = a;
        cur_end = b;
      } else {
        cur_end = std::max(cur_end, b);
      }
    }
    s.gpu_busy_ns += cur_end - cur_start;
    s.gpu_span_ns = last - first;
  }
  return s;
}

std::string ProfileMarkdown(const ProfileSummary& s, const std::string& what, int top) {
  std::string out = absl::StrCat("# Profile: ", what, "\n\n");
  if (s.gpu_events > 0) {
    absl::StrAppendFormat(
        &out,
        "GPU: %d kernel/memory events; busy %.3f ms (union of their intervals) of a %.3f ms span "
        "from the first start to the last end: %.1f%% busy, %.3f ms in gaps between kernels; "
        "summed durations %.3f ms.\n\n",
        s.gpu_events, s.gpu_busy_ns / 1e6, s.gpu_span_ns / 1e6,
        s.gpu_span_ns > 0 ? 100.0 * s.gpu_busy_ns / s.gpu_span_ns : 0.0,
        (s.gpu_span_ns - s.gpu_busy_ns) / 1e6, s.gpu_kernel_ns / 1e6);
    Table(s.gpu, "GPU kernel", top, &out);
    out += "\n";
  } else {
    out += "GPU: no GPU events (a CPU run, or a LibTorch without Kineto/CUPTI).\n\n";
  }
  absl::StrAppend(&out, "CPU: ", s.cpu_events,
                  " operator events (totals are inclusive: operators nest).\n\n");
  Table(s.cpu, "CPU operator", top, &out);
  return out;
}

absl::Status StartProfiler(at::Device device) {
  std::set<tp::ActivityType> activities = {tp::ActivityType::CPU};
  if (device.is_cuda()) activities.insert(tp::ActivityType::CUDA);
  try {
    const tp::ProfilerConfig config(tp::ProfilerState::KINETO);
    ap::prepareProfiler(config, activities);
    ap::enableProfiler(config, activities);
  } catch (const c10::Error& e) {
    return absl::FailedPreconditionError(
        absl::StrCat("--profile: LibTorch's profiler did not start: ", e.what_without_backtrace()));
  }
  return absl::OkStatus();
}

absl::StatusOr<std::vector<ProfiledEvent>> StopProfiler() {
  std::unique_ptr<ap::ProfilerResult> result;
  try {
    result = ap::disableProfiler();
  } catch (const c10::Error& e) {
    return absl::FailedPreconditionError(
        absl::StrCat("--profile: stopping LibTorch's profiler failed: ", e.what_without_backtrace()));
  }
  std::vector<ProfiledEvent> events;
  if (result == nullptr) return events;
  events.reserve(result->events().size());
  for (const auto& e : result->events()) {
    ProfiledEvent p;
    p.name = e.name();
    p.on_gpu = e.deviceType() != c10::DeviceType::CPU;
    p.start_ns = StartNs(e, 0);
    p.duration_ns = DurationNs(e, 0);
    events.push_back(std::move(p));
  }
  return events;
}

}  // namespace cifarbench
