// A bench report's per-recipe aggregate: the statistics of core/stats.h over the OK runs of one
// recipe (accuracy mean, spread, 95% CI, p-value against the target; train_s and
// time_to_result_s summaries). The runner and bench/merge compute it; core/console.h prints it.
#ifndef CIFARBENCH_CORE_AGGREGATE_H_
#define CIFARBENCH_CORE_AGGREGATE_H_

#include <string>
#include <vector>

#include "proto/report.pb.h"

namespace cifarbench {

// Aggregates of the OK runs of one recipe; runs that are not OK count in `runs` only.
v1::Aggregate Aggregate(const std::string& recipe, double target_accuracy,
                        const std::vector<const v1::RunReport*>& runs);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_AGGREGATE_H_
