// Finding the real CIFAR-10 data from a test, and CI's rule: tests that need the dataset fail,
// not skip, when CI=true and it is missing.
#ifndef CIFARBENCH_TESTS_TESTING_REAL_DATA_H_
#define CIFARBENCH_TESTS_TESTING_REAL_DATA_H_

#include <string>

#include "absl/status/statusor.h"

namespace cifarbench::testing {

// The repository root: CIFARBENCH_SOURCE_ROOT when compiled in (CMake), else, under
// `bazel test`, the source folder that the runfile `marker` (a path relative to the workspace,
// listed in the test's data) links to. "" when neither works.
std::string SourceRootForTest(const std::string& marker);

// $CIFAR10_DIR, else ../shared/cifar10 beside the source root, else the home cache.
absl::StatusOr<std::string> FindRealDataDir(const std::string& marker);

// Whether the environment says CI=true.
bool InCi();

}  // namespace cifarbench::testing

// In a TEST body: sets `dir` to the real data folder, or skips (fails when CI=true).
#define CB_REQUIRE_REAL_DATA(dir, marker)                                                   \
  std::string dir;                                                                          \
  {                                                                                         \
    auto cb_found_ = ::cifarbench::testing::FindRealDataDir(marker);                        \
    if (!cb_found_.ok()) {                                                                  \
      const std::string cb_why_ =                                                           \
          "the real CIFAR-10 data was not found (set CIFAR10_DIR, e.g. bazel test "         \
          "--test_env=CIFAR10_DIR=/path/to/cifar10): " +                                    \
          cb_found_.status().ToString();                                                    \
      if (::cifarbench::testing::InCi()) FAIL() << "CI=true: " << cb_why_;                   \
      GTEST_SKIP() << cb_why_;                                                              \
    }                                                                                       \
    dir = *cb_found_;                                                                       \
  }

#endif  // CIFARBENCH_TESTS_TESTING_REAL_DATA_H_
