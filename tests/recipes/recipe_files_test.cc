// A recipe is one file: recipes/<plugin>/<name>.textproto. Every file on disk is registered
// (both builds find them with one glob), under its file stem and folder, and its text says the
// same name and plugin, loads (every setting checked, the plugin's included) and describes
// itself. A typo in a shipped recipe fails here, at test time, not when someone runs it.
#include <filesystem>
#include <map>
#include <string>

#include "core/config.h"
#include "core/registry.h"
#include "gtest/gtest.h"

namespace cifarbench {
namespace {

// recipe name -> path, from the files on disk.
std::map<std::string, std::string> RecipeFilesOnDisk() {
  std::map<std::string, std::string> files;
  for (const auto& folder : std::filesystem::directory_iterator("recipes")) {
    if (!folder.is_directory()) continue;
    for (const auto& file : std::filesystem::directory_iterator(folder.path())) {
      if (file.path().extension() != ".textproto") continue;
      const std::string path = "recipes/" + folder.path().filename().string() + "/" +
                               file.path().filename().string();
      files[file.path().stem().string()] = path;
    }
  }
  return files;
}

TEST(RecipeFilesTest, EveryFileIsRegisteredUnderItsStemAndFolder) {
  const std::map<std::string, std::string> on_disk = RecipeFilesOnDisk();
  ASSERT_GE(on_disk.size(), 6u) << "the shipped recipes are not where the test runs";
  std::map<std::string, std::string> registered;
  for (const RecipeInfo& info : Registry::Get().Recipes()) registered[info.name] = info.path;
  EXPECT_EQ(registered, on_disk);
  for (const RecipeInfo& info : Registry::Get().Recipes()) {
    EXPECT_EQ(info.path, "recipes/" + info.plugin + "/" + info.name + ".textproto");
  }
}

TEST(RecipeFilesTest, EachTextSaysItsFileNameAndFolderAndLoads) {
  const std::vector<std::string> plugins = Registry::Get().PluginNames();
  for (const RecipeInfo& info : Registry::Get().Recipes()) {
    SCOPED_TRACE(info.path);
    absl::StatusOr<v1::RecipeConfig> config = LoadRecipeText(info.text, info.path, {}, plugins);
    ASSERT_TRUE(config.ok()) << config.status();
    EXPECT_EQ(config->name(), info.name) << "name: must be the file's stem";
    EXPECT_EQ(config->plugin(), info.plugin) << "plugin: must be the file's folder";
    EXPECT_FALSE(config->description().empty());
  }
}

}  // namespace
}  // namespace cifarbench
