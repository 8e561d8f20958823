// merge: combines shard reports into one bench report (bench/merge_lib.h).
//
//   bazel run //bench:merge -- --out=merged.json shard0.json shard1.json ...
#include <string>
#include <vector>

#include "absl/flags/usage.h"
#include "bench/merge_lib.h"

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "merges shard reports into one bench report.\n"
      "  merge --out=MERGED.json SHARD.json...");
  return cifarbench::MergeMain(std::vector<std::string>(argv + 1, argv + argc));
}
