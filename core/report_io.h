// Reading and writing reports as JSON (protobuf's JSON utilities: proto field names, zero
// values printed). Writes are atomic: a temporary file beside the target, flushed and fsynced,
// then renamed over it (and the folder fsynced), so a crash never leaves a half-written report
// (tests/bench/kill_loop_test kills the runner 200 times to check it). A kill between creating
// the temporary file and the rename leaves it behind as <report>.tmp.<pid>.
#ifndef CIFARBENCH_CORE_REPORT_IO_H_
#define CIFARBENCH_CORE_REPORT_IO_H_

#include <string>
#include <string_view>
#include <vector>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "google/protobuf/message.h"
#include "proto/report.pb.h"

namespace cifarbench {

// 2: the recipe schema with plugin-owned settings (RecipeConfig's shared fields plus the plugin's
// `<plugin> { ... }` block, core/config.h): reports of version 1 carry schema-1 config_text
// (model, optimizer, ... at the top level), which no longer loads as a recipe. Their other
// fields are unchanged, so readers (compare, merge) accept both.
// 3: proto enum values carry their enum's prefix (RunStatus RUN_STATUS_OK, OptimizerKind
// OPTIMIZER_KIND_SGD_NESTEROV, ScheduleKind SCHEDULE_KIND_ONE_CYCLE_LINEAR; StepMode's zero is
// STEP_MODE_UNSPECIFIED). The old names stay as deprecated aliases, so reports and recipe texts of
// versions 1 and 2 still read; builds before 3 cannot read a version-3 report's status.
inline constexpr int kReportSchemaVersion = 3;
inline constexpr int kOldestReadableReportSchemaVersion = 1;

absl::StatusOr<std::string> ToJson(const google::protobuf::Message& message);

absl::Status WriteFileAtomically(const std::string& path, const std::string& contents);
absl::Status WriteJsonAtomically(const std::string& path, const google::protobuf::Message& m);

// Removes the temporary files <path>.tmp.<pid> that WriteFileAtomically left beside `path` when
// a process was killed while writing, for pids that no longer run (a live writer's file is
// left alone). Returns the removed files' names. The runner calls it before its first write.
std::vector<std::string> RemoveStaleTemporaries(const std::string& path);

// Parses a bench report; InvalidArgument naming the file for malformed JSON or a
// schema_version other than kReportSchemaVersion.
absl::StatusOr<v1::BenchReport> ReadBenchReport(const std::string& path);

// The same on JSON already in memory (`path` names it in messages): the fuzz target's entry.
absl::StatusOr<v1::BenchReport> ParseBenchReport(std::string_view json, const std::string& path);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_REPORT_IO_H_
