// Fuzz target: the bench report reader (core/report_io: JSON -> BenchReport, as bench/compare
// and bench/merge read reports), free of LibTorch.
//
// Properties checked beyond "no crash, no sanitizer report":
//   - an error is InvalidArgument and its message starts with the report's name;
//   - a report that parses has the schema version this build reads, and writing it (ToJson, as
//     the runner does) and reading that back gives the same report.
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "absl/strings/match.h"
#include "core/report_io.h"
#include "google/protobuf/util/message_differencer.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string_view json(reinterpret_cast<const char*>(data), size);
  constexpr char kPath[] = "fuzz/report.json";

  auto report = cifarbench::ParseBenchReport(json, kPath);
  if (!report.ok()) {
    FUZZ_CHECK(absl::IsInvalidArgument(report.status()), report.status().ToString());
    FUZZ_CHECK(absl::StartsWith(report.status().message(), std::string(kPath) + ": "),
               report.status().ToString());
    return 0;
  }
  FUZZ_CHECK(report->schema_version() >= cifarbench::kOldestReadableReportSchemaVersion &&
                 report->schema_version() <= cifarbench::kReportSchemaVersion,
             "schema version");
  auto written = cifarbench::ToJson(*report);
  FUZZ_CHECK(written.ok(), written.status().ToString());
  auto again = cifarbench::ParseBenchReport(*written, "written.json");
  FUZZ_CHECK(again.ok(), again.status().ToString() + "\n--- written ---\n" + *written);
  FUZZ_CHECK(google::protobuf::util::MessageDifferencer::Equals(*report, *again),
             "the report read back differs:\n" + *written);
  return 0;
}
