// compare: two bench reports side by side with Mann-Whitney U tests, as Markdown (stdout and
// --markdown_out), JSON (--json_out) and SVG charts (--svg_dir); exits 1 when a gate fails so
// that CI can stop on it. See bench/compare_lib.h.
//
//   bazel run //bench:compare -- base.json new.json [--alpha=0.05] [--max_slowdown=0.05]
//       [--max_accuracy_drop=0.005] [--gate_time=false] [--paired_seeds]
//       [--markdown_out=FILE] [--json_out=FILE] [--svg_dir=DIR] [--base_label=base]
//       [--new_label=new]
//   bazel run //bench:compare -- --across_recipes --base_recipe=NAME report.json
#include <string>
#include <vector>

#include "absl/flags/usage.h"
#include "bench/compare_lib.h"

int main(int argc, char** argv) {
  absl::SetProgramUsageMessage(
      "compares two bench reports (Mann-Whitney U tests, gates, Markdown / JSON / SVG).\n"
      "  compare [flags] BASE.json NEW.json\n"
      "  compare --across_recipes --base_recipe=NAME REPORT.json");
  std::vector<std::string> args(argv + 1, argv + argc);
  return cifarbench::CompareMain(args);
}
