// The recipe embedding (cifarbench_recipe in tools/bazel/recipes.bzl, cifarbench_add_recipe in
// cmake/CifarbenchRecipes.cmake): a textproto full of quotes, backslashes, CMake and raw-string
// lookalikes and non-ASCII text registers under its name, plugin and source path with its
// text byte for byte. Runs from the source root (Bazel: runfiles root; CMake: WORKING_DIRECTORY).
#include <fstream>
#include <sstream>
#include <string>

#include "core/registry.h"
#include "gtest/gtest.h"

namespace {

constexpr char kPath[] = "tests/tools/testdata/embed_test.textproto";

TEST(RecipeEmbedTest, RegistersTheFileTextUnchanged) {
  std::ifstream in(kPath, std::ios::binary);
  ASSERT_TRUE(in) << "cannot open " << kPath << " from the working directory";
  std::stringstream want;
  want << in.rdbuf();

  auto recipe = cifarbench::Registry::Get().FindRecipe("cb_embed_test");
  ASSERT_TRUE(recipe.ok()) << recipe.status();
  EXPECT_EQ(recipe->name, "cb_embed_test");
  EXPECT_EQ(recipe->plugin, "cb_test_plugin");
  EXPECT_EQ(recipe->path, kPath);
  EXPECT_EQ(recipe->text, want.str());
}

}  // namespace
