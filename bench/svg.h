// Charts written as SVG by hand (no Python, no plotting library): accuracy against time, one
// point per run, coloured by recipe, the target as a line; per-epoch validation accuracy
// curves. LibTorch-free.
#ifndef CIFARBENCH_BENCH_SVG_H_
#define CIFARBENCH_BENCH_SVG_H_

#include <string>
#include <vector>

#include "proto/report.pb.h"

namespace cifarbench {

struct LabelledReport {
  std::string label;  // e.g. "base" or "new"; prefixed to the recipe in the legend
  const v1::BenchReport* report;
};

// x: time_metric ("train_s" or "time_to_result_s"), y: headline accuracy (%); one series per
// (label, recipe); a dashed line at each target accuracy.
std::string AccuracyVsTimeSvg(const std::vector<LabelledReport>& reports,
                              const std::string& time_metric = "train_s");
// x: total training seconds at the end of the epoch, y: evaluated validation accuracy (%) of
// the headline network (EMA where evaluated); one polyline per run.
std::string EpochCurvesSvg(const std::vector<LabelledReport>& reports);

}  // namespace cifarbench

#endif  // CIFARBENCH_BENCH_SVG_H_
