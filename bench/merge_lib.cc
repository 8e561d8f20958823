#include "bench/merge_lib.h"

#include <cstdio>
#include <map>
#include <set>
#include <tuple>

#include "absl/flags/flag.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "bench/flags.h"
#include "core/user_path.h"
#include "core/aggregate.h"
#include "core/console.h"
#include "core/report_io.h"

// The command line of bench/merge_main.cc (MergeMain).
ABSL_FLAG(std::string, out, "", "The merged bench report (JSON).");

namespace cifarbench {

absl::StatusOr<v1::BenchReport> MergeReports(const std::vector<NamedReport>& reports) {
  if (reports.empty()) return absl::InvalidArgumentError("no reports to merge");
  v1::BenchReport out;
  out.set_schema_version(kReportSchemaVersion);
  *out.mutable_context() = reports[0].report.context();
  if (reports[0].report.has_warmup()) *out.mutable_warmup() = reports[0].report.warmup();
  std::map<std::tuple<std::string, std::string, uint64_t>, std::string> seen;
  std::map<std::string, std::pair<double, std::string>> targets;  // recipe -> (target, from)
  std::vector<std::string> order;
  for (const NamedReport& nr : reports) {
    for (const v1::Aggregate& a : nr.report.aggregates()) {
      auto it = targets.find(a.recipe());
      if (it == targets.end()) {
        targets[a.recipe()] = {a.target_accuracy(), nr.path};
      } else if (it->second.first != a.target_accuracy()) {
        return absl::InvalidArgumentError(absl::StrCat(
            "recipe ", a.recipe(), " has target ", a.target_accuracy(), " in ", nr.path, " but ",
            it->second.first, " in ", it->second.second));
      }
    }
    for (const v1::RunReport& r : nr.report.runs()) {
      const auto key = std::make_tuple(r.recipe(), r.config_sha256(), r.seed());
      auto [it, fresh] = seen.emplace(key, nr.path);
      if (!fresh) {
        return absl::InvalidArgumentError(absl::StrCat(
            "run of ", r.recipe(), " with seed ", r.seed(), " (config sha256 ",
            r.config_sha256().substr(0, 12), ") is in both ", it->second, " and ", nr.path,
            " (a shard given twice?)"));
      }
      if (std::find(order.begin(), order.end(), r.recipe()) == order.end()) {
        order.push_back(r.recipe());
      }
      *out.add_runs() = r;
    }
  }
  for (const std::string& recipe : order) {
    std::vector<const v1::RunReport*> runs;
    for (const v1::RunReport& r : out.runs()) {
      if (r.recipe() == recipe) runs.push_back(&r);
    }
    auto t = targets.find(recipe);
    *out.add_aggregates() = Aggregate(recipe, t == targets.end() ? 0.0 : t->second.first, runs);
  }
  return out;
}

int MergeMain(const std::vector<std::string>& args) {
  auto bad = [](const std::string& msg) {
    std::fprintf(stderr, "merge: %s\n", msg.c_str());
    return 2;
  };
  std::vector<std::string> argv = {"merge"};
  argv.insert(argv.end(), args.begin(), args.end());
  absl::StatusOr<std::vector<std::string>> positional = ParseFlags(argv);
  if (!positional.ok()) {
    return bad(absl::StrCat(positional.status().message(),
                            " (usage: merge --out=MERGED.json SHARD.json...)"));
  }
  // Paths as the user typed them (bazel run starts in the runfiles, not where it was called).
  const std::string out_flag = absl::GetFlag(FLAGS_out);
  const std::string out_path = out_flag.empty() ? out_flag : ResolveUserPath(out_flag);
  std::vector<NamedReport> reports;
  for (const std::string& a : *positional) {
    const std::string path = ResolveUserPath(a);
    absl::StatusOr<v1::BenchReport> r = ReadBenchReport(path);
    if (!r.ok()) return bad(std::string(r.status().message()));
    reports.push_back({path, *std::move(r)});
  }
  if (out_path.empty() || reports.empty()) {
    return bad("usage: merge --out=MERGED.json SHARD.json...");
  }
  absl::StatusOr<v1::BenchReport> merged = MergeReports(reports);
  if (!merged.ok()) return bad(std::string(merged.status().message()));
  absl::Status s = WriteJsonAtomically(out_path, *merged);
  if (!s.ok()) return bad(std::string(s.message()));
  for (const v1::Aggregate& a : merged->aggregates()) std::fputs(SummaryLine(a).c_str(), stdout);
  std::printf("merged %zu report(s), %d run(s) into %s\n", reports.size(), merged->runs_size(),
              out_path.c_str());
  return 0;
}

}  // namespace cifarbench
