// core/profile: the summary's arithmetic on made-up events (the GPU busy time is the union of
// the intervals, the span first start to last end), and LibTorch's profiler really recording
// the CPU operators of a few matrix products.
#include "core/profile.h"

#include <ATen/ATen.h>
#include <ATen/Parallel.h>

#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cifarbench {
namespace {

using ::testing::HasSubstr;

TEST(ProfileTest, GpuBusyIsTheUnionOfKernelIntervals) {
  // Kernels at [0,10), [5,15) (overlapping), [30,40): busy 15 + 10 = 25 of a 40 span.
  std::vector<ProfiledEvent> events = {
      {"gemm", true, 0, 10},  {"relu", true, 5, 10},    {"gemm", true, 30, 10},
      {"aten::mm", false, 0, 50}, {"aten::relu", false, 60, 5},
  };
  const ProfileSummary s = SummarizeProfile(events);
  EXPECT_EQ(s.gpu_events, 3);
  EXPECT_EQ(s.cpu_events, 2);
  EXPECT_EQ(s.gpu_busy_ns, 25u);
  EXPECT_EQ(s.gpu_span_ns, 40u);
  EXPECT_EQ(s.gpu_kernel_ns, 30u);
  ASSERT_EQ(s.gpu.size(), 2u);
  EXPECT_EQ(s.gpu[0].name, "gemm");  // 20 ns in 2 calls, before relu's 10
  EXPECT_EQ(s.gpu[0].count, 2);
  EXPECT_EQ(s.gpu[0].total_ns, 20u);
  ASSERT_EQ(s.cpu.size(), 2u);
  EXPECT_EQ(s.cpu[0].name, "aten::mm");

  const std::string md = ProfileMarkdown(s, "made up", 1);
  EXPECT_THAT(md, HasSubstr("# Profile: made up"));
  EXPECT_THAT(md, HasSubstr("62.5% busy"));  // 25 / 40
  EXPECT_THAT(md, HasSubstr("| `gemm` | 2 |"));
  EXPECT_THAT(md, HasSubstr("| (1 more) |"));  // top 1 of 2 kernels
}

TEST(ProfileTest, NoGpuEventsIsSaid) {
  const ProfileSummary s = SummarizeProfile({{"aten::add", false, 0, 3}});
  EXPECT_EQ(s.gpu_span_ns, 0u);
  EXPECT_THAT(ProfileMarkdown(s, "cpu"), HasSubstr("GPU: no GPU events"));
}

TEST(ProfileTest, RecordsCpuOperators) {
  at::set_num_threads(2);
  ASSERT_TRUE(StartProfiler(at::kCPU).ok());
  at::Tensor a = at::randn({128, 128});
  for (int i = 0; i < 3; ++i) a = at::mm(a, a).relu();
  auto events = StopProfiler();
  ASSERT_TRUE(events.ok()) << events.status();
  const ProfileSummary s = SummarizeProfile(*events);
  bool found = false;
  for (const auto& row : s.cpu) {
    if (row.name == "aten::mm") {
      found = true;
      EXPECT_EQ(row.count, 3);
      EXPECT_GT(row.total_ns, 0u);
    }
  }
  EXPECT_TRUE(found) << ProfileMarkdown(s, "cpu");
  EXPECT_EQ(s.gpu_events, 0);
}

}  // namespace
}  // namespace cifarbench
