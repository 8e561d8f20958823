// The bad-config corpus (tests/core/testdata/bad_configs/): each file is a shipped recipe with
// one mistake in it; EXPECTED holds, per file, the exact error the loader must give
// (`{file}` stands for the file's path): path:line:column and what is wrong.
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include "absl/strings/str_replace.h"
#include "core/config.h"
#include "core/registry.h"
#include "gtest/gtest.h"

namespace cifarbench {
namespace {

constexpr char kDir[] = "tests/core/testdata/bad_configs";

std::map<std::string, std::string> Expected() {
  std::map<std::string, std::string> out;
  std::ifstream in(std::string(kDir) + "/EXPECTED");
  std::string line;
  while (std::getline(in, line)) {
    if (line.empty() || line[0] == '#') continue;
    const size_t sep = line.find(' ');
    out[line.substr(0, sep)] = line.substr(sep + 1);
  }
  return out;
}

TEST(BadConfigCorpusTest, EveryFileFailsWithItsMessageAndLocation) {
  const std::map<std::string, std::string> expected = Expected();
  EXPECT_GE(expected.size(), 20u) << "the corpus must hold at least 20 bad configs";
  // The plugins as the runner knows them: every plugin whose settings are linked (all of them).
  std::vector<std::string> known;
  for (const SettingsInfo& settings : Registry::Get().Settings()) known.push_back(settings.plugin);
  EXPECT_GE(known.size(), 4u);
  int files = 0;
  for (const auto& entry : std::filesystem::directory_iterator(kDir)) {
    if (entry.path().extension() != ".textproto") continue;
    ++files;
    const std::string name = entry.path().filename().string();
    const std::string path = std::string(kDir) + "/" + name;
    absl::StatusOr<v1::RecipeConfig> config = LoadRecipeFile(path, {}, known);
    ASSERT_FALSE(config.ok()) << name << " loaded without an error";
    auto it = expected.find(name);
    if (it == expected.end()) {
      ADD_FAILURE() << name << " has no line in EXPECTED; it fails with: "
                    << absl::StrReplaceAll(config.status().message(), {{path, "{file}"}});
      continue;
    }
    EXPECT_EQ(std::string(config.status().message()),
              absl::StrReplaceAll(it->second, {{"{file}", path}}))
        << name;
  }
  EXPECT_EQ(files, static_cast<int>(expected.size())) << "EXPECTED names files that are missing";
}

}  // namespace
}  // namespace cifarbench
