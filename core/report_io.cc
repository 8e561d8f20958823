#include "core/report_io.h"

#include <fcntl.h>
#include <signal.h>
#include <unistd.h>

#include <cerrno>
#include <climits>
#include <cstdint>
#include <filesystem>
#include <cstring>
#include <fstream>
#include <sstream>

#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "google/protobuf/util/json_util.h"

namespace cifarbench {
namespace {

// The folder part of `path` ("." for a bare file name).
std::string FolderOf(const std::string& path) {
  const size_t slash = path.rfind('/');
  if (slash == std::string::npos) return ".";
  return slash == 0 ? "/" : path.substr(0, slash);
}

}  // namespace

absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message) {
  google::protobuf::util::JsonPrintOptions options;
  options.add_whitespace = true;
  options.always_print_primitive_fields = true;
  options.preserve_proto_field_names = true;
  std::string out;
  auto status = google::protobuf::util::MessageToJsonString(message, &out, options);
  if (!status.ok()) {
    return absl::InternalError(absl::StrCat("cannot write JSON: ", status.ToString()));
  }
  return out;
}

absl::Status WriteFileAtomically(const std::string& path, const std::string& contents) {
  const std::string tmp = absl::StrCat(path, ".tmp.", getpid());
  int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
  if (fd < 0) {
    return absl::PermissionDeniedError(
        absl::StrCat(tmp, ": cannot create: ", std::strerror(errno)));
  }
  size_t done = 0;
  while (done < contents.size()) {
    ssize_t n = ::write(fd, contents.data() + done, contents.size() - done);
    if (n < 0) {
      if (errno == EINTR) continue;
      const int err = errno;
      ::close(fd);
      ::unlink(tmp.c_str());
      return absl::DataLossError(absl::StrCat(tmp, ": write failed: ", std::strerror(err)));
    }
    done += static_cast<size_t>(n);
  }
  if (::fsync(fd) != 0 || ::close(fd) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return absl::DataLossError(absl::StrCat(tmp, ": flush failed: ", std::strerror(err)));
  }
  if (::rename(tmp.c_str(), path.c_str()) != 0) {
    const int err = errno;
    ::unlink(tmp.c_str());
    return absl::DataLossError(
        absl::StrCat(path, ": cannot replace with ", tmp, ": ", std::strerror(err)));
  }
  // The rename itself survives a power loss once the folder is flushed too. Best effort: some
  // file systems refuse fsync on a folder, and the report is already complete on disk.
  const int dir_fd = ::open(FolderOf(path).c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (dir_fd >= 0) {
    ::fsync(dir_fd);
    ::close(dir_fd);
  }
  return absl::OkStatus();
}

absl::Status WriteJsonAtomically(const std::string& path, const google::protobuf::Message& m) {
  absl::StatusOr<std::string> json = ToJson(m);
  if (!json.ok()) return json.status();
  return WriteFileAtomically(path, *json + "\n");
}

std::vector<std::string> RemoveStaleTemporaries(const std::string& path) {
  std::vector<std::string> removed;
  const std::string dir = FolderOf(path);
  const std::string prefix = absl::StrCat(std::filesystem::path(path).filename().string(), ".tmp.");
  std::error_code ec;
  std::filesystem::directory_iterator it(dir, ec);
  if (ec) return removed;
  for (const auto& entry : it) {
    const std::string name = entry.path().filename().string();
    if (name.size() <= prefix.size() || name.compare(0, prefix.size(), prefix) != 0) continue;
    const std::string pid_text = name.substr(prefix.size());
    if (pid_text.find_first_not_of("0123456789") != std::string::npos) continue;
    long long pid = 0;
    if (!absl::SimpleAtoi(pid_text, &pid) || pid <= 0 || pid > INT32_MAX) continue;
    // kill(pid, 0): ESRCH means no such process; anything else (alive, or not ours) is kept.
    if (::kill(static_cast<pid_t>(pid), 0) == 0 || errno != ESRCH) continue;
    if (std::filesystem::remove(entry.path(), ec)) removed.push_back(entry.path().string());
  }
  return removed;
}

absl::StatusOr<v1::BenchReport> ParseBenchReport(std::string_view json, const std::string& path) {
  v1::BenchReport report;
  google::protobuf::util::JsonParseOptions options;
  auto status = google::protobuf::util::JsonStringToMessage(std::string(json), &report, options);
  if (!status.ok()) {
    return absl::InvalidArgumentError(
        absl::StrCat(path, ": not a cifarbench bench report: ", status.ToString()));
  }
  if (report.schema_version() < kOldestReadableReportSchemaVersion ||
      report.schema_version() > kReportSchemaVersion) {
    return absl::InvalidArgumentError(absl::StrCat(
        path, ": schema_version ", report.schema_version(), ", this build reads ",
        kOldestReadableReportSchemaVersion, " to ", kReportSchemaVersion));
  }
  return report;
}

absl::StatusOr<v1::BenchReport> ReadBenchReport(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  if (!in) return absl::NotFoundError(absl::StrCat(path, ": cannot open report"));
  std::stringstream ss;
  ss << in.rdbuf();
  return ParseBenchReport(ss.str(), path);
}

}  // namespace cifarbench
