// bench/merge: shard reports (bench --shard=i/n) combined into one bench report. LibTorch-free.
#ifndef CIFARBENCH_BENCH_MERGE_LIB_H_
#define CIFARBENCH_BENCH_MERGE_LIB_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/report.pb.h"

namespace cifarbench {

struct NamedReport {
  std::string path;  // for messages
  v1::BenchReport report;
};

// Every run of every report, in order; aggregates recomputed per recipe (targets from the
// reports' aggregates); the first report's context and warm-up. InvalidArgument when a run
// (same recipe, config sha256 and seed) appears twice (a shard merged twice, or two sweeps
// mixed), or when two reports give one recipe different targets.
absl::StatusOr<v1::BenchReport> MergeReports(const std::vector<NamedReport>& reports);

// The command line: merge --out=MERGED.json SHARD.json... Exit 0, or 2 with a message. Sets
// the absl flags it defines (a test calling it twice wraps each call in an absl::FlagSaver).
int MergeMain(const std::vector<std::string>& args);

}  // namespace cifarbench

#endif  // CIFARBENCH_BENCH_MERGE_LIB_H_
