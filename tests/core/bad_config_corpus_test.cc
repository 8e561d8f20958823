// The bad-config corpus (tests/core/testdata/bad_configs/): each file is a shipped recipe with
// one mistake in it; EXPECTED holds, per file, the exact error the loader must give
// (`{file}` stands for the file's path): path:line:column and what is wrong. Each file also marks
// its mistake with one comment, `# MISTAKE (next line, at "TOKEN"): ...` (or `at its end`, or `in
// the whole file, reported at 1:1` for something missing), and the error's line:column must be
// that token's: the check that the location points at the mistake whatever the file's layout
// (the corpus was rewritten for schema 2, which moved every line).
#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <utility>
#include <vector>

#include "absl/strings/str_cat.h"
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

// The corpus's files, as (name, path relative to the test's folder), in name order.
std::vector<std::pair<std::string, std::string>> CorpusFiles() {
  std::vector<std::pair<std::string, std::string>> files;
  for (const auto& entry : std::filesystem::directory_iterator(kDir)) {
    if (entry.path().extension() != ".textproto") continue;
    const std::string name = entry.path().filename().string();
    files.emplace_back(name, std::string(kDir) + "/" + name);
  }
  std::sort(files.begin(), files.end());
  return files;
}

// The plugins as the runner knows them: every plugin whose settings are linked (all of them).
std::vector<std::string> KnownPlugins() {
  std::vector<std::string> known;
  for (const SettingsInfo& settings : Registry::Get().Settings()) known.push_back(settings.plugin);
  return known;
}

TEST(BadConfigCorpusTest, EveryFileFailsWithItsMessageAndLocation) {
  const std::map<std::string, std::string> expected = Expected();
  EXPECT_GE(expected.size(), 20u) << "the corpus must hold at least 20 bad configs";
  const std::vector<std::string> known = KnownPlugins();
  EXPECT_GE(known.size(), 4u);
  const auto files = CorpusFiles();
  for (const auto& [name, path] : files) {
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
  EXPECT_EQ(files.size(), expected.size()) << "EXPECTED names files that are missing";
}

// The line:column a file's MISTAKE comment points at, or an explanation of why it has none.
absl::StatusOr<std::string> MarkedLocation(const std::string& path) {
  std::ifstream in(path);
  std::vector<std::string> lines;
  for (std::string line; std::getline(in, line);) lines.push_back(line);
  constexpr char kMarker[] = "# MISTAKE (";
  std::string found;
  for (size_t i = 0; i < lines.size(); ++i) {
    const size_t at = lines[i].find(kMarker);
    if (at == std::string::npos) continue;
    if (!found.empty()) return absl::InvalidArgumentError("more than one MISTAKE comment");
    const std::string where = lines[i].substr(at + sizeof(kMarker) - 1);
    if (where.rfind("in the whole file, reported at 1:1)", 0) == 0) {
      found = "1:1";
      continue;
    }
    if (i + 1 >= lines.size()) return absl::InvalidArgumentError("MISTAKE on the last line");
    const std::string& next = lines[i + 1];
    if (where.rfind("next line, at its end)", 0) == 0) {
      found = absl::StrCat(i + 2, ":", next.size() + 1);
      continue;
    }
    constexpr char kAt[] = "next line, at \"";
    if (where.rfind(kAt, 0) != 0) return absl::InvalidArgumentError("MISTAKE says neither where nor how");
    const size_t start = sizeof(kAt) - 1;
    const size_t end = where.find("\")", start);
    if (end == std::string::npos) return absl::InvalidArgumentError("MISTAKE's token is not closed");
    const std::string token = where.substr(start, end - start);
    const size_t column = next.find(token);
    if (token.empty() || column == std::string::npos) {
      return absl::InvalidArgumentError(absl::StrCat("the next line has no \"", token, "\""));
    }
    found = absl::StrCat(i + 2, ":", column + 1);
  }
  if (found.empty()) return absl::InvalidArgumentError("no MISTAKE comment");
  return found;
}

TEST(BadConfigCorpusTest, EveryErrorIsAtTheMistakeItsFileMarks) {
  const auto files = CorpusFiles();
  for (const auto& [name, path] : files) {
    absl::StatusOr<std::string> marked = MarkedLocation(path);
    ASSERT_TRUE(marked.ok()) << name << ": " << marked.status().message();
    absl::StatusOr<v1::RecipeConfig> config = LoadRecipeFile(path, {}, KnownPlugins());
    ASSERT_FALSE(config.ok()) << name << " loaded without an error";
    const std::string message(config.status().message());
    EXPECT_EQ(message.rfind(absl::StrCat(path, ":", *marked, ": "), 0), 0u)
        << name << ": its MISTAKE comment points at " << *marked << ", the error says " << message;
  }
  EXPECT_GE(files.size(), 20u);
}

}  // namespace
}  // namespace cifarbench
