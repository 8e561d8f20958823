#include "core/sweep.h"

#include <set>
#include <utility>

#include "absl/strings/match.h"
#include "absl/strings/numbers.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"
#include "absl/strings/str_split.h"

namespace cifarbench {

absl::StatusOr<std::vector<GridAxis>> ParseGrid(const std::vector<std::string>& flags) {
  std::vector<GridAxis> axes;
  std::set<std::string> fields;
  for (const std::string& flag : flags) {
    const size_t eq = flag.find('=');
    if (eq == std::string::npos || eq == 0) {
      return absl::InvalidArgumentError("--grid '" + flag + "': expected field.path=v1,v2,...");
    }
    GridAxis axis;
    axis.field = flag.substr(0, eq);
    const std::string list = flag.substr(eq + 1);
    const char sep = list.find(';') != std::string::npos ? ';' : ',';
    for (absl::string_view v : absl::StrSplit(list, sep)) axis.values.emplace_back(v);
    for (const std::string& v : axis.values) {
      if (v.empty()) {
        return absl::InvalidArgumentError("--grid '" + flag + "': an empty value");
      }
    }
    if (absl::StartsWith(axis.field, "data.")) {
      return absl::InvalidArgumentError("--grid '" + flag +
                                        "': data.* cannot vary within a sweep (the data is "
                                        "loaded once); run one sweep per data setting");
    }
    if (!fields.insert(axis.field).second) {
      return absl::InvalidArgumentError("--grid '" + flag + "': " + axis.field +
                                        " is already a grid axis");
    }
    axes.push_back(std::move(axis));
  }
  return axes;
}

absl::StatusOr<Shard> ParseShard(const std::string& flag) {
  std::vector<std::string> parts = absl::StrSplit(flag, '/');
  Shard s;
  if (parts.size() != 2 || !absl::SimpleAtoi(parts[0], &s.index) ||
      !absl::SimpleAtoi(parts[1], &s.count) || s.count < 1 || s.index < 0 ||
      s.index >= s.count) {
    return absl::InvalidArgumentError("--shard=" + flag +
                                      ": expected i/n with 0 <= i < n (0-based), e.g. 0/4");
  }
  return s;
}

absl::StatusOr<std::vector<SweepJob>> PlanSweep(const std::vector<GridAxis>& grid,
                                                const v1::RecipeConfig& base, const Shard& shard,
                                                const ConfigLoader& load,
                                                const std::vector<std::string>& base_overrides) {
  // Grid points as index vectors, the last axis fastest.
  std::vector<std::vector<size_t>> points = {{}};
  for (const GridAxis& axis : grid) {
    std::vector<std::vector<size_t>> next;
    for (const auto& p : points) {
      for (size_t v = 0; v < axis.values.size(); ++v) {
        next.push_back(p);
        next.back().push_back(v);
      }
    }
    points = std::move(next);
  }
  std::vector<SweepJob> jobs;
  int index = 0;
  for (const auto& point : points) {
    v1::RecipeConfig config = base;
    if (!grid.empty()) {
      std::vector<std::string> sets = base_overrides;
      std::vector<std::string> label;
      for (size_t a = 0; a < grid.size(); ++a) {
        const std::string set = grid[a].field + "=" + grid[a].values[point[a]];
        sets.push_back(set);
        label.push_back(set);
      }
      absl::StatusOr<v1::RecipeConfig> loaded = load(sets);
      if (!loaded.ok()) {
        return absl::Status(loaded.status().code(),
                            absl::StrCat("--grid point [", absl::StrJoin(label, ", "),
                                         "]: ", loaded.status().message()));
      }
      config = *std::move(loaded);
      config.set_name(absl::StrCat(base.name(), "[", absl::StrJoin(label, ","), "]"));
    }
    const int runs = std::max(1, config.runs());
    for (int r = 0; r < runs; ++r, ++index) {
      if (index % shard.count != shard.index) continue;
      SweepJob job;
      job.index = index;
      job.config = config;
      job.config.set_runs(1);
      job.config.set_seed(config.seed() + static_cast<uint64_t>(r));
      jobs.push_back(std::move(job));
    }
  }
  return jobs;
}

}  // namespace cifarbench
