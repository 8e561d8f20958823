// Fuzz target: the recipe config loader with overrides (core/config), free of LibTorch.
//
// Input: a recipe in text format; after a line "%%", one --set override per line. Properties
// checked beyond "no crash, no sanitizer report":
//   - an error is InvalidArgument and every line of its message says where: "fuzz.textproto:"
//     (path:line:column) or "--set '" (the override's text);
//   - a config that loads prints (RecipeToText) to text that loads again, without overrides,
//     to the same text: what --print_config shows and reports embed is a valid recipe.
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "absl/status/status.h"
#include "core/config.h"
#include "tests/fuzz/fuzz_check.h"

namespace {

constexpr char kPath[] = "fuzz.textproto";

bool SaysWhere(const std::string& line) {
  return line.rfind(std::string(kPath) + ":", 0) == 0 || line.rfind("--set '", 0) == 0;
}

// Splits at '\n' (absl::StrSplit takes absl::string_view, which Debian's abseil does not
// alias to std::string_view).
std::vector<std::string> Lines(const std::string& text) {
  std::vector<std::string> lines;
  size_t start = 0;
  while (start <= text.size()) {
    const size_t end = std::min(text.find('\n', start), text.size());
    lines.push_back(text.substr(start, end - start));
    start = end + 1;
  }
  return lines;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  const std::string input(reinterpret_cast<const char*>(data), size);
  std::string text = input;
  std::vector<std::string> overrides;
  const size_t split = input.find("\n%%\n");
  if (split != std::string::npos) {
    text = input.substr(0, split + 1);
    for (const std::string& line : Lines(input.substr(split + 4))) {
      if (!line.empty()) overrides.push_back(line);
    }
  }
  const std::vector<std::string> plugins = {"hlb", "page"};

  auto config = cifarbench::LoadRecipeText(text, kPath, overrides, plugins);
  if (!config.ok()) {
    const std::string message(config.status().message());
    FUZZ_CHECK(absl::IsInvalidArgument(config.status()), config.status().ToString());
    FUZZ_CHECK(!message.empty(), "an empty error message");
    for (const std::string& line : Lines(message)) {
      FUZZ_CHECK(SaysWhere(line), "an error line that does not say where: " + message);
    }
    return 0;
  }

  const std::string printed = cifarbench::RecipeToText(*config);
  auto again = cifarbench::LoadRecipeText(printed, "printed.textproto", {}, plugins);
  FUZZ_CHECK(again.ok(), "the printed config does not load: " + again.status().ToString() +
                             "\n--- printed ---\n" + printed);
  const std::string reprinted = cifarbench::RecipeToText(*again);
  FUZZ_CHECK(reprinted == printed,
             "printing is not stable:\n--- first ---\n" + printed + "--- second ---\n" + reprinted);
  return 0;
}
