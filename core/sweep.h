// Sweeps: --grid field.path=v1,v2,... (the cross product of settings, each for the config's
// runs) and --shard=i/n (every n-th job, for job arrays on a scheduler such as Slurm; combine
// the shard reports with bench/merge). LibTorch-free.
#ifndef CIFARBENCH_CORE_SWEEP_H_
#define CIFARBENCH_CORE_SWEEP_H_

#include <functional>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "proto/recipe.pb.h"

namespace cifarbench {

struct GridAxis {
  std::string field;                // a --set path, e.g. hlb.optimizer.non_bias.lr
  std::vector<std::string> values;  // as --set takes them
};
// "field=v1,v2,..." per flag. A value list with a ';' is split on ';' instead, for list
// fields: hlb.model.widths=16,64,128;32,128,256. InvalidArgument naming the flag for a missing
// '=', an empty value, a repeated field or a data.* field (the data is loaded once).
absl::StatusOr<std::vector<GridAxis>> ParseGrid(const std::vector<std::string>& flags);

struct Shard {
  int index = 0;
  int count = 1;
};
// "i/n" with 0 <= i < n.
absl::StatusOr<Shard> ParseShard(const std::string& flag);

struct SweepJob {
  int index = 0;                    // in the whole sweep (before sharding)
  v1::RecipeConfig config;          // one run: runs = 1, its seed
};
using ConfigLoader =
    std::function<absl::StatusOr<v1::RecipeConfig>(const std::vector<std::string>& overrides)>;
// Jobs in order: grid points (the last axis fastest) x seeds (seed, seed + 1, ...); the shard's
// share of them. Each grid point's config comes from `load` with `base_overrides` plus its
// settings (so a bad value fails like a bad --set), named NAME[field=value,...] when there is a
// grid.
absl::StatusOr<std::vector<SweepJob>> PlanSweep(const std::vector<GridAxis>& grid,
                                                const v1::RecipeConfig& base, const Shard& shard,
                                                const ConfigLoader& load,
                                                const std::vector<std::string>& base_overrides);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_SWEEP_H_
