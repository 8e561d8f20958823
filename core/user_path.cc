#include "core/user_path.h"

#include <cstdlib>
#include <filesystem>
#include <string>
#include <system_error>

namespace cifarbench {

std::string ResolveUserPath(const std::string& path) {
  if (path.empty() || path[0] == '/') return path;
  const char* env = std::getenv("BUILD_WORKING_DIRECTORY");
  std::string base = env == nullptr ? "" : env;
  if (base.empty()) {
    std::error_code ec;
    const std::filesystem::path cwd = std::filesystem::current_path(ec);
    if (!ec) base = cwd.string();
  }
  if (base.empty()) return path;
  return base.back() == '/' ? base + path : base + "/" + path;
}

}  // namespace cifarbench
