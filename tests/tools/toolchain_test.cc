// Checks that the toolchain pieces link and run together: the system abseil (flags, Status,
// StatusOr, strings), protobuf (generated code + text format), gtest and LibTorch (ATen).
#include <string>
#include <vector>

#include <ATen/ATen.h>
#include <google/protobuf/text_format.h>

#include "absl/flags/flag.h"
#include "absl/flags/parse.h"
#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_format.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"
#include "absl/synchronization/mutex.h"
#include "absl/time/clock.h"
#include "absl/time/time.h"
#include "gtest/gtest.h"
#include "proto/recipe.pb.h"

ABSL_FLAG(int, toolchain_test_runs, 3, "A flag, to check absl::ParseCommandLine links.");

namespace {

absl::StatusOr<int> Half(int x) {
  if (x % 2 != 0) return absl::InvalidArgumentError(absl::StrFormat("%d is odd", x));
  return x / 2;
}

TEST(ToolchainTest, Absl) {
  EXPECT_EQ(*Half(4), 2);
  EXPECT_EQ(Half(3).status().message(), "3 is odd");
  std::vector<std::string> parts = absl::StrSplit("a,b,c", ',');
  EXPECT_EQ(absl::StrJoin(parts, "+"), "a+b+c");
  EXPECT_EQ(absl::StrCat("x", 1, "y"), "x1y");
  absl::Mutex mu;
  absl::MutexLock lock(&mu);
  EXPECT_GE(absl::ToDoubleSeconds(absl::Now() - absl::UnixEpoch()), 0.0);
  EXPECT_EQ(absl::GetFlag(FLAGS_toolchain_test_runs), 5);
}

TEST(ToolchainTest, Protobuf) {
  cifarbench::v1::RecipeConfig recipe;
  ASSERT_TRUE(google::protobuf::TextFormat::ParseFromString(
      "name: 'x' plugin: 'hlb' runs: 2 data { train_subset: 10 }", &recipe));
  EXPECT_EQ(recipe.plugin(), "hlb");
  EXPECT_EQ(recipe.data().train_subset(), 10);
}

TEST(ToolchainTest, LibTorch) {
  at::Tensor t = at::ones({2, 3}, at::kFloat);
  EXPECT_FLOAT_EQ(t.sum().item<float>(), 6.0f);
#if defined(CIFARBENCH_WITH_CUDA)
  SUCCEED() << "built against a CUDA LibTorch";
#endif
}

}  // namespace

int main(int argc, char** argv) {
  testing::InitGoogleTest(&argc, argv);
  std::vector<char*> args = {argv[0], const_cast<char*>("--toolchain_test_runs=5")};
  absl::ParseCommandLine(static_cast<int>(args.size()), args.data());
  return RUN_ALL_TESTS();
}
