// Reports survive kills: the real runner is killed at random moments, again and again, while it
// rewrites its report after every run, and after every kill the report on disk must parse
// (core/report_io writes a temporary file, fsyncs it and renames it over the report).
//
// Each launch runs the --plugin_lib test plugin (a run takes milliseconds, so the runner spends
// its time rewriting a growing report) with runs=100000 on the same --out path, which holds
// the previous launch's report: a kill before the first write must leave that report whole,
// a kill after it must leave a complete new one. One kill in ten is SIGTERM (exit 143, with the
// report written); the rest are SIGKILL (no handler runs). Kill moments are drawn uniformly from
// [0.7 T, 1.7 T], T being the measured time from launch to the first write (about 0.6 s here,
// nearly all of it loading LibTorch and the data): most kills land while reports are written.
//
// Usage: kill_loop_test BENCH_BINARY TEST_PLUGIN_LIB [--kills=N] [gtest flags]
// (default 50 kills, in both builds; the counts of what each kill hit are printed).
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iterator>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "core/report_io.h"
#include "gtest/gtest.h"
#include "tests/testing/real_data.h"

namespace cifarbench {
namespace {

std::string g_bench;
std::string g_plugin_lib;
int g_kills = 50;
constexpr char kMarker[] = "tests/bench/testdata/source_root_marker.txt";

std::string ReadAll(const std::string& path) {
  std::ifstream in(path, std::ios::binary);
  return std::string((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
}

// Starts the runner on `out` (stdout and stderr to /dev/null); returns its pid.
pid_t Launch(const std::string& data_dir, const std::string& out, int runs) {
  std::vector<std::string> args = {
      g_bench,
      "--plugin_lib=" + g_plugin_lib,
      "--recipe=test_plugin_recipe",
      "--device=cpu",
      "--threads=1",
      "--warmup=off",
      "--data_dir=" + data_dir,
      "--out=" + out,
      absl::StrCat("--runs=", runs),
  };
  std::fflush(nullptr);  // else the child's stdio flushes a copy of the parent's buffer
  const pid_t pid = fork();
  if (pid == 0) {
    std::FILE* null = std::freopen("/dev/null", "w", stdout);
    if (null != nullptr) dup2(fileno(stdout), fileno(stderr));
    std::vector<char*> argv;
    for (std::string& a : args) argv.push_back(a.data());
    argv.push_back(nullptr);
    execv(argv[0], argv.data());
    _exit(127);
  }
  return pid;
}

// Temporary files the writer left beside `out` (a kill between create and rename); removed.
int RemoveLeftovers(const std::string& folder, const std::string& out) {
  int n = 0;
  const std::string prefix = std::filesystem::path(out).filename().string() + ".tmp.";
  for (const auto& e : std::filesystem::directory_iterator(folder)) {
    if (absl::StartsWith(e.path().filename().string(), prefix)) {
      std::filesystem::remove(e.path());
      ++n;
    }
  }
  return n;
}

TEST(KillLoopTest, EveryReportOnDiskParsesAfterEveryKill) {
  CB_REQUIRE_REAL_DATA(data_dir, kMarker);
  const char* tmp = std::getenv("TEST_TMPDIR");
  std::string pattern = absl::StrCat(tmp != nullptr ? tmp : "/tmp", "/kill_loop.XXXXXX");
  ASSERT_NE(mkdtemp(pattern.data()), nullptr);
  const std::string folder = pattern;
  const std::string out = folder + "/report.json";

  // A first, complete report: 3 runs.
  {
    const pid_t pid = Launch(data_dir, out, 3);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    ASSERT_TRUE(WIFEXITED(status) && WEXITSTATUS(status) == 0) << "status " << status;
    auto first = ReadBenchReport(out);
    ASSERT_TRUE(first.ok()) << first.status();
    ASSERT_EQ(first->runs_size(), 3);
  }

  // T: launch to first write (the report's bytes change), measured once.
  std::string previous = ReadAll(out);
  double first_write_s = 0;
  {
    const auto start = std::chrono::steady_clock::now();
    const pid_t pid = Launch(data_dir, out, 100000);
    while (ReadAll(out) == previous) {
      std::this_thread::sleep_for(std::chrono::milliseconds(2));
      ASSERT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(60))
          << "no report written in 60 s";
    }
    first_write_s =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    kill(pid, SIGKILL);
    waitpid(pid, nullptr, 0);
    RemoveLeftovers(folder, out);
    auto report = ReadBenchReport(out);
    ASSERT_TRUE(report.ok()) << report.status();
    previous = ReadAll(out);
  }
  std::printf("first write %.3f s after launch; kill moments drawn from [%.3f, %.3f] s\n",
              first_write_s, 0.7 * first_write_s, 1.7 * first_write_s);

  std::mt19937 rng(20261128);
  std::uniform_real_distribution<double> moment(0.7 * first_write_s, 1.7 * first_write_s);
  int unchanged = 0, replaced = 0, leftovers = 0, sigterms = 0;
  int64_t most_runs = 0;
  for (int i = 0; i < g_kills; ++i) {
    const int sig = i % 10 == 9 ? SIGTERM : SIGKILL;
    const pid_t pid = Launch(data_dir, out, 100000);
    ASSERT_GT(pid, 0);
    std::this_thread::sleep_for(std::chrono::duration<double>(moment(rng)));
    ASSERT_EQ(kill(pid, sig), 0);
    int status = 0;
    ASSERT_EQ(waitpid(pid, &status, 0), pid);
    if (sig == SIGKILL) {
      ASSERT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL)
          << "kill " << i << ": status " << status;
    } else {
      // Before the handlers are installed (while loading) SIGTERM kills by default.
      ASSERT_TRUE((WIFEXITED(status) && WEXITSTATUS(status) == 143) ||
                  (WIFSIGNALED(status) && WTERMSIG(status) == SIGTERM))
          << "kill " << i << ": status " << status;
      ++sigterms;
    }
    leftovers += RemoveLeftovers(folder, out);

    const std::string now = ReadAll(out);
    auto report = ParseBenchReport(now, out);
    ASSERT_TRUE(report.ok()) << "after kill " << i << " (signal " << sig << "): "
                             << report.status() << "\n" << now.substr(0, 2000);
    ASSERT_GE(report->runs_size(), 1) << "kill " << i;
    for (const auto& run : report->runs()) {
      ASSERT_TRUE(run.status() == v1::RUN_STATUS_OK || run.status() == v1::RUN_STATUS_INTERRUPTED)
          << "kill " << i << ": a run with status " << v1::RunStatus_Name(run.status());
    }
    if (now == previous) {
      ++unchanged;
    } else {
      ++replaced;
      most_runs = std::max<int64_t>(most_runs, report->runs_size());
    }
    previous = now;
  }
  std::printf(
      "%d kills (%d SIGTERM): every report on disk parsed; %d left the previous report in "
      "place (killed before the first write), %d left a new complete one (up to %lld runs); "
      "%d left a temporary file (killed between creating it and the rename)\n",
      g_kills, sigterms, unchanged, replaced, static_cast<long long>(most_runs), leftovers);
  std::filesystem::remove_all(folder);
}

}  // namespace
}  // namespace cifarbench

int main(int argc, char** argv) {
  ::testing::InitGoogleTest(&argc, argv);
  std::vector<std::string> positional;
  for (int i = 1; i < argc; ++i) {
    const std::string arg = argv[i];
    if (absl::StartsWith(arg, "--kills=")) {
      if (!absl::SimpleAtoi(arg.substr(8), &cifarbench::g_kills) || cifarbench::g_kills < 1) {
        std::fprintf(stderr, "%s: expected a positive number\n", arg.c_str());
        return 2;
      }
    } else {
      positional.push_back(arg);
    }
  }
  if (positional.size() != 2) {
    std::fprintf(stderr, "usage: %s BENCH_BINARY TEST_PLUGIN_LIB [--kills=N]\n", argv[0]);
    return 2;
  }
  cifarbench::g_bench = std::filesystem::absolute(positional[0]).string();
  cifarbench::g_plugin_lib = std::filesystem::absolute(positional[1]).string();
  return RUN_ALL_TESTS();
}
