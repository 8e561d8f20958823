#include "core/registry.h"

#include <cstdio>
#include <cstdlib>
#include <utility>

#include "absl/status/status.h"
#include "absl/strings/str_join.h"

namespace cifarbench {

Registry& Registry::Get() {
  static Registry* registry = new Registry();  // never destroyed: used from static init/exit
  return *registry;
}

bool Registry::AddPlugin(PluginInfo info) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string name = info.name;
  return plugins_.emplace(std::move(name), std::move(info)).second;
}

bool Registry::AddRecipe(RecipeInfo info) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string name = info.name;
  return recipes_.emplace(std::move(name), std::move(info)).second;
}

absl::StatusOr<PluginInfo> Registry::FindPlugin(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = plugins_.find(name);
  if (it != plugins_.end()) return it->second;
  std::vector<std::string> names;
  for (const auto& [n, _] : plugins_) names.push_back(n);
  return absl::NotFoundError("unknown plugin '" + name + "'; registered plugins: " +
                             (names.empty() ? "(none)" : absl::StrJoin(names, ", ")));
}

absl::StatusOr<RecipeInfo> Registry::FindRecipe(const std::string& name) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = recipes_.find(name);
  if (it != recipes_.end()) return it->second;
  std::vector<std::string> names;
  for (const auto& [n, _] : recipes_) names.push_back(n);
  return absl::NotFoundError("unknown recipe '" + name + "'; registered recipes: " +
                             (names.empty() ? "(none)" : absl::StrJoin(names, ", ")) +
                             " (--list describes them)");
}

bool Registry::AddSettings(SettingsInfo info) {
  std::lock_guard<std::mutex> lock(mu_);
  std::string name = info.plugin;
  return settings_.emplace(std::move(name), std::move(info)).second;
}

absl::StatusOr<SettingsInfo> Registry::FindSettings(const std::string& plugin) const {
  std::lock_guard<std::mutex> lock(mu_);
  auto it = settings_.find(plugin);
  if (it != settings_.end()) return it->second;
  return absl::NotFoundError("plugin '" + plugin + "' registered no settings");
}

std::vector<SettingsInfo> Registry::Settings() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<SettingsInfo> out;
  for (const auto& [_, info] : settings_) out.push_back(info);
  return out;
}

std::vector<PluginInfo> Registry::Plugins() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<PluginInfo> out;
  for (const auto& [_, info] : plugins_) out.push_back(info);
  return out;
}

std::vector<RecipeInfo> Registry::Recipes() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<RecipeInfo> out;
  for (const auto& [_, info] : recipes_) out.push_back(info);
  return out;
}

std::vector<std::string> Registry::PluginNames() const {
  std::lock_guard<std::mutex> lock(mu_);
  std::vector<std::string> out;
  for (const auto& [n, _] : plugins_) out.push_back(n);
  return out;
}

namespace internal {

PluginRegistrar::PluginRegistrar(const char* name, const char* description,
                                 PluginFactory factory) {
  if (!Registry::Get().AddPlugin({name, description, factory})) {
    std::fprintf(stderr, "cifarbench: plugin '%s' registered twice\n", name);
    std::abort();
  }
}

SettingsRegistrar::SettingsRegistrar(const char* plugin,
                                     const google::protobuf::Message* prototype,
                                     SettingsCheck check) {
  if (!Registry::Get().AddSettings({plugin, prototype, check})) {
    std::fprintf(stderr, "cifarbench: settings of plugin '%s' registered twice\n", plugin);
    std::abort();
  }
}

RecipeRegistrar::RecipeRegistrar(const char* name, const char* plugin, const char* path,
                                 const char* text) {
  if (!Registry::Get().AddRecipe({name, plugin, path, text})) {
    std::fprintf(stderr, "cifarbench: recipe '%s' registered twice\n", name);
    std::abort();
  }
}

}  // namespace internal
}  // namespace cifarbench
