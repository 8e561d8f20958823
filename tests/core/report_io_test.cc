// core/report_io: atomic writes, reading reports back, and the clean-up of temporary files that
// killed writers leave (LibTorch-free; CI runs it under --config=asan too).
#include "core/report_io.h"

#include <sys/wait.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "absl/strings/str_cat.h"
#include "gmock/gmock.h"
#include "gtest/gtest.h"

namespace cifarbench {
namespace {

using ::testing::HasSubstr;

// A fresh folder per test (ctest shares /tmp between runs).
std::string FreshDir(const std::string& name) {
  const char* tmp = std::getenv("TEST_TMPDIR");
  const std::string dir =
      absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/report_io_test.", getpid(), ".", name);
  std::filesystem::remove_all(dir);
  std::filesystem::create_directories(dir);
  return dir;
}

void Touch(const std::string& path, const std::string& contents = "partial") {
  std::ofstream(path) << contents;
}

// A pid that certainly ran and ended: a child that exited and was reaped.
pid_t DeadPid() {
  const pid_t pid = fork();
  if (pid == 0) _exit(0);
  waitpid(pid, nullptr, 0);
  return pid;
}

TEST(ReportIoTest, WriteThenReadGivesTheSameReport) {
  const std::string dir = FreshDir("roundtrip");
  const std::string path = dir + "/r.json";
  v1::BenchReport report;
  report.set_schema_version(kReportSchemaVersion);
  v1::RunReport* run = report.add_runs();
  run->set_recipe("x");
  run->set_headline_accuracy(0.9412);
  ASSERT_TRUE(WriteJsonAtomically(path, report).ok());
  auto back = ReadBenchReport(path);
  ASSERT_TRUE(back.ok()) << back.status();
  EXPECT_EQ(back->DebugString(), report.DebugString());
  // Only the report is in the folder: the temporary file was renamed.
  int files = 0;
  for (const auto& e : std::filesystem::directory_iterator(dir)) files += e.is_regular_file();
  EXPECT_EQ(files, 1);
  std::filesystem::remove_all(dir);
}

TEST(ReportIoTest, ParseErrorsNameTheReport) {
  auto bad = ParseBenchReport("{\"schema_version\": 1, \"runs\": [", "here.json");
  ASSERT_FALSE(bad.ok());
  EXPECT_THAT(bad.status().message(), HasSubstr("here.json: not a cifarbench bench report"));
  auto other = ParseBenchReport("{\"schema_version\": 7}", "v7.json");
  ASSERT_FALSE(other.ok());
  EXPECT_THAT(other.status().message(), HasSubstr("v7.json: schema_version 7, this build reads 1 to 3"));
}

TEST(ReportIoTest, ReadsSchemaOneReports) {
  // Version 1 (before plugin-owned settings) differs only in its config_text: still readable.
  auto old = ParseBenchReport("{\"schema_version\": 1, \"runs\": []}", "old.json");
  ASSERT_TRUE(old.ok()) << old.status();
  EXPECT_EQ(old->schema_version(), 1);
}

TEST(ReportIoTest, RemovesOnlyTemporariesOfEndedWriters) {
  const std::string dir = FreshDir("stale");
  const std::string path = dir + "/report.json";
  Touch(path, "{}");
  const std::string dead = absl::StrCat(path, ".tmp.", DeadPid());
  const std::string alive = absl::StrCat(path, ".tmp.", getpid());
  const std::string other_report = absl::StrCat(dir, "/other.json.tmp.", DeadPid());
  const std::string not_a_pid = path + ".tmp.abc";
  for (const std::string& f : {dead, alive, other_report, not_a_pid}) Touch(f);

  const std::vector<std::string> removed = RemoveStaleTemporaries(path);
  ASSERT_EQ(removed.size(), 1u);
  EXPECT_EQ(removed[0], dead);
  EXPECT_FALSE(std::filesystem::exists(dead));
  for (const std::string& f : {path, alive, other_report, not_a_pid}) {
    EXPECT_TRUE(std::filesystem::exists(f)) << f;
  }
  // A folder that does not exist: nothing to do, no error.
  EXPECT_TRUE(RemoveStaleTemporaries(dir + "/missing/report.json").empty());
  std::filesystem::remove_all(dir);
}

}  // namespace
}  // namespace cifarbench
