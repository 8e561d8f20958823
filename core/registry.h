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

namespace cifarbench {

class Plugin;  // core/plugin.h
using PluginFactory = std::unique_ptr<Plugin> (*)();

struct PluginInfo {
  std::string name;
  std::string description;
  PluginFactory factory = nullptr;
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

  // NotFound listing the registered names when absent.
  absl::StatusOr<PluginInfo> FindPlugin(const std::string& name) const;
  absl::StatusOr<RecipeInfo> FindRecipe(const std::string& name) const;
  bool HasPlugin(const std::string& name) const;

  std::vector<PluginInfo> Plugins() const;  // sorted by name
  std::vector<RecipeInfo> Recipes() const;  // sorted by name
  std::vector<std::string> PluginNames() const;

 private:
  Registry() = default;
  mutable std::mutex mu_;
  std::map<std::string, PluginInfo> plugins_;
  std::map<std::string, RecipeInfo> recipes_;
};

namespace internal {
struct PluginRegistrar {
  PluginRegistrar(const char* name, const char* description, PluginFactory factory);
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

// Registers a shipped recipe; used by the sources that tools/bazel/embed_recipe.sh and
// cmake/CifarbenchRecipes.cmake generate.
#define CIFARBENCH_REGISTER_RECIPE(name, plugin, path, text)                           \
  static ::cifarbench::internal::RecipeRegistrar CB_RECIPE_REGISTRAR_NAME_(__LINE__)( \
      name, plugin, path, text)
#define CB_RECIPE_REGISTRAR_NAME_(line) CB_RECIPE_REGISTRAR_NAME2_(line)
#define CB_RECIPE_REGISTRAR_NAME2_(line) cb_recipe_registrar_##line

#endif  // CIFARBENCH_CORE_REGISTRY_H_
