#include "core/aggregate.h"

#include "core/stats.h"

namespace cifarbench {

v1::Aggregate Aggregate(const std::string& recipe, double target_accuracy,
                        const std::vector<const v1::RunReport*>& runs) {
  v1::Aggregate a;
  a.set_recipe(recipe);
  a.set_runs(static_cast<int>(runs.size()));
  a.set_target_accuracy(target_accuracy);
  std::vector<double> acc, train, ttr;
  int at_target = 0;
  for (const v1::RunReport* r : runs) {
    if (r->status() != v1::RUN_STATUS_OK) continue;
    acc.push_back(r->headline_accuracy());
    train.push_back(r->timings().train_s());
    ttr.push_back(r->timings().time_to_result_s());
    if (r->headline_accuracy() >= target_accuracy) ++at_target;
  }
  a.set_ok_runs(static_cast<int>(acc.size()));
  a.set_p_value_above_target(1.0);
  if (acc.empty()) return a;
  const Summary sa = Summarize(acc), st = Summarize(train), sr = Summarize(ttr);
  a.set_accuracy_mean(sa.mean);
  a.set_accuracy_std(sa.std);
  a.set_accuracy_min(sa.min);
  a.set_accuracy_max(sa.max);
  const Interval ci = MeanConfidenceInterval(acc, 0.95);
  a.set_accuracy_ci95_low(ci.low);
  a.set_accuracy_ci95_high(ci.high);
  a.set_p_value_above_target(OneSidedTTestPValue(acc, target_accuracy));
  a.set_fraction_at_target(static_cast<double>(at_target) / acc.size());
  a.set_train_s_mean(st.mean);
  a.set_train_s_std(st.std);
  a.set_train_s_median(st.median);
  a.set_train_s_min(st.min);
  a.set_train_s_max(st.max);
  a.set_train_s_olympic_mean(st.olympic_mean);
  a.set_time_to_result_s_mean(sr.mean);
  a.set_time_to_result_s_std(sr.std);
  a.set_time_to_result_s_median(sr.median);
  a.set_time_to_result_s_min(sr.min);
  a.set_time_to_result_s_max(sr.max);
  a.set_time_to_result_s_olympic_mean(sr.olympic_mean);
  return a;
}

}  // namespace cifarbench
