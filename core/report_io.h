// Reading and writing reports as JSON (protobuf's JSON utilities: proto field names, zero
// values printed). Writes are atomic: a temporary file beside the target, flushed and fsynced,
// then renamed over it, so a crash never leaves a half-written report.
#ifndef CIFARBENCH_CORE_REPORT_IO_H_
#define CIFARBENCH_CORE_REPORT_IO_H_

#include <string>
#include <string_view>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "proto/report.pb.h"

namespace cifarbench {

inline constexpr int kReportSchemaVersion = 1;

absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message);

absl::Status WriteFileAtomically(const std::string& path, const std::string& contents);
absl::Status WriteJsonAtomically(const std::string& path, const google::protobuf::Message& m);

// Parses a bench report; InvalidArgument naming the file for malformed JSON or a
// schema_version other than kReportSchemaVersion.
absl::StatusOr<v1::BenchReport> ReadBenchReport(const std::string& path);

// The same on JSON already in memory (`path` names it in messages): the fuzz target's entry.
absl::StatusOr<v1::BenchReport> ParseBenchReport(std::string_view json, const std::string& path);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_REPORT_IO_H_
