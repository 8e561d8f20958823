// The plugin and recipe registry. Free of LibTorch so that config validation and the CLI's
// --list can use it without the LibTorch headers.
//
// A plugin's library registers itself at static-initialisation time with
// CIFARBENCH_REGISTER_PLUGIN; its Bazel target needs alwayslink = True (nothing references
// the registrar, so the linker would drop it otherwise). Shipped recipes (textprotos) are
// compiled into generated sources that call CIFARBENCH_REGISTER_RECIPE.
//
// The registry is a function-local singleton inside core; a plugin loaded with --plugin_lib
// resolves Registry::Get() against the runner's exported copy, so it registers into the same
// registry.
#ifndef CIFARBENCH_CORE_REGISTRY_H_
#define CIFARBENCH_CORE_REGISTRY_H_

#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "absl/status/statusor.h"
#include "core/validation.h"
#include "google/protobuf/message.h"

namespace cifarbench {
namespace v1 {
class RecipeConfig;  // proto/recipe.proto
}  // namespace v1

class Plugin;  // core/plugin.h
using PluginFactory = std::unique_ptr<Plugin> (*)();

struct PluginInfo {
  std::string name;
  std::string description;
  PluginFactory factory = nullptr;
};

// A plugin's own settings: the message its recipes write as a block named after the plugin
// (`hlb { ... }`), and the check the loader runs on it before any data is read.
using SettingsCheck = void (*)(const v1::RecipeConfig& config,
                               const google::protobuf::Message& settings, Validator& v);
struct SettingsInfo {
  std::string plugin;
  // The settings message's default instance (its descriptor is the block's schema).
  const google::protobuf::Message* prototype = nullptr;
  SettingsCheck check = nullptr;
};

struct RecipeInfo {
  std::string name;
  std::string plugin;
  // Where the text came from, as shown in errors: "recipes/hlb/hlb_record.textproto".
  std::string path;
  std::string text;
};

class Registry {
 public:
  static Registry& Get();

  // Returns false (and keeps the first) when the name is taken.
  bool AddPlugin(PluginInfo info);
  bool AddRecipe(RecipeInfo info);
  bool AddSettings(SettingsInfo info);

  // NotFound listing the registered names when absent.
  absl::StatusOr<PluginInfo> FindPlugin(const std::string& name) const;
  absl::StatusOr<RecipeInfo> FindRecipe(const std::string& name) const;
  // nullptr-free copy when `plugin` registered settings; NotFound otherwise.
  absl::StatusOr<SettingsInfo> FindSettings(const std::string& plugin) const;

  std::vector<PluginInfo> Plugins() const;  // sorted by name
  std::vector<RecipeInfo> Recipes() const;  // sorted by name
  std::vector<std::string> PluginNames() const;
  std::vector<SettingsInfo> Settings() const;  // sorted by plugin name

 private:
  Registry() = default;
  mutable std::mutex mu_;
  std::map<std::string, PluginInfo> plugins_;
  std::map<std::string, RecipeInfo> recipes_;
  std::map<std::string, SettingsInfo> settings_;
};

namespace internal {
struct PluginRegistrar {
  PluginRegistrar(const char* name, const char* description, PluginFactory factory);
};
struct SettingsRegistrar {
  SettingsRegistrar(const char* plugin, const google::protobuf::Message* prototype,
                    SettingsCheck check);
};
struct RecipeRegistrar {
  RecipeRegistrar(const char* name, const char* plugin, const char* path, const char* text);
};
}  // namespace internal

}  // namespace cifarbench

// Registers `Class` (a cifarbench::Plugin with a default constructor) under `name`.
#define CIFARBENCH_REGISTER_PLUGIN(name, Class, description)                          \
  static ::cifarbench::internal::PluginRegistrar CB_PLUGIN_REGISTRAR_NAME_(__LINE__)( \
      name, description, []() -> std::unique_ptr<::cifarbench::Plugin> {             \
        return std::make_unique<Class>();                                             \
      })
#define CB_PLUGIN_REGISTRAR_NAME_(line) CB_PLUGIN_REGISTRAR_NAME2_(line)
#define CB_PLUGIN_REGISTRAR_NAME2_(line) cb_plugin_registrar_##line

// Registers `Type` (a generated message class) as the settings of plugin `name`, checked by
// `check`, a function
//   void check(const cifarbench::v1::RecipeConfig& config, const Type& settings,
//              cifarbench::Validator& v);
// whose Validator takes paths relative to the block ("model.widths[0]"; errors read
// "hlb.model.widths[0] must be > 0, got 0"). Put it in a LibTorch-free library (the config
// tests and the fuzzer load recipes without the plugin's training code).
#define CIFARBENCH_REGISTER_SETTINGS(name, Type, check)                                         \
  static ::cifarbench::internal::SettingsRegistrar CB_SETTINGS_REGISTRAR_NAME_(__LINE__)(      \
      name, &Type::default_instance(),                                                         \
      [](const ::cifarbench::v1::RecipeConfig& config,                                         \
         const ::google::protobuf::Message& settings, ::cifarbench::Validator& v) {            \
        check(config, static_cast<const Type&>(settings), v);                                  \
      })
#define CB_SETTINGS_REGISTRAR_NAME_(line) CB_SETTINGS_REGISTRAR_NAME2_(line)
#define CB_SETTINGS_REGISTRAR_NAME2_(line) cb_settings_registrar_##line

// Registers a shipped recipe; used by the sources that tools/bazel/embed_recipe.sh and
// cmake/CifarbenchRecipes.cmake generate.
#define CIFARBENCH_REGISTER_RECIPE(name, plugin, path, text)                           \
  static ::cifarbench::internal::RecipeRegistrar CB_RECIPE_REGISTRAR_NAME_(__LINE__)( \
      name, plugin, path, text)
#define CB_RECIPE_REGISTRAR_NAME_(line) CB_RECIPE_REGISTRAR_NAME2_(line)
#define CB_RECIPE_REGISTRAR_NAME2_(line) cb_recipe_registrar_##line

#endif  // CIFARBENCH_CORE_REGISTRY_H_
