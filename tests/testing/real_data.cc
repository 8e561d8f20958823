#include "tests/testing/real_data.h"

#include <cstdlib>
#include <filesystem>
#include <system_error>

#include "absl/strings/str_cat.h"
#include "core/cifar.h"

namespace cifarbench::testing {

namespace fs = std::filesystem;

std::string SourceRootForTest(const std::string& marker) {
#ifdef CIFARBENCH_SOURCE_ROOT
  (void)marker;
  return CIFARBENCH_SOURCE_ROOT;
#else
  const char* srcdir = std::getenv("TEST_SRCDIR");
  const char* workspace = std::getenv("TEST_WORKSPACE");
  if (srcdir == nullptr || workspace == nullptr) return "";
  std::error_code ec;
  fs::path real = fs::canonical(absl::StrCat(srcdir, "/", workspace, "/", marker), ec);
  if (ec) return "";
  // Walk up one folder per component of `marker`.
  for (const auto& part : fs::path(marker)) {
    (void)part;
    real = real.parent_path();
  }
  return real.string();
#endif
}

absl::StatusOr<std::string> FindRealDataDir(const std::string& marker) {
  DataDirQuery query;
  const char* env_dir = std::getenv("CIFAR10_DIR");
  query.env_dir = env_dir == nullptr ? "" : env_dir;
  query.working_dir = fs::current_path().string();
  query.source_root = SourceRootForTest(marker);
  const char* home = std::getenv("HOME");
  query.home = home == nullptr ? "" : home;
  return ResolveDataDir(query);
}

bool InCi() {
  const char* ci = std::getenv("CI");
  return ci != nullptr && std::string(ci) == "true";
}

}  // namespace cifarbench::testing
