// A plugin's typed settings, from the RecipeConfig the loader filled (core/config.h packs the
// recipe's `<plugin> { ... }` block into RecipeConfig.settings). Free of LibTorch.
//
//   absl::StatusOr<hlb::HlbSettings> s = PluginSettings<hlb::HlbSettings>(config);
#ifndef CIFARBENCH_CORE_SETTINGS_H_
#define CIFARBENCH_CORE_SETTINGS_H_

#include <string>

#include "absl/status/status.h"
#include "absl/status/statusor.h"
#include "proto/recipe.pb.h"

namespace cifarbench {

// InvalidArgument when the config holds no settings, or settings of another type (a config
// built by hand without them, or for another plugin).
template <typename T>
absl::StatusOr<T> PluginSettings(const v1::RecipeConfig& config) {
  T settings;
  if (!config.has_settings()) {
    return absl::InvalidArgumentError("recipe '" + config.name() + "' has no " +
                                      T::descriptor()->full_name() + " settings (its '" +
                                      config.plugin() + " { ... }' block)");
  }
  if (!config.settings().UnpackTo(&settings)) {
    return absl::InvalidArgumentError("recipe '" + config.name() + "' holds settings of type " +
                                      config.settings().type_url() + ", not " +
                                      T::descriptor()->full_name());
  }
  return settings;
}

// Packs `settings` into `config` (tests and code that build configs by hand).
template <typename T>
void SetPluginSettings(v1::RecipeConfig* config, const T& settings) {
  config->mutable_settings()->PackFrom(settings);
}

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_SETTINGS_H_
