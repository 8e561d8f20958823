#include "bench/flags.h"

#include <algorithm>
#include <cstdint>

#include "absl/flags/commandlineflag.h"
#include "absl/flags/marshalling.h"
#include "absl/flags/parse.h"
#include "absl/flags/reflection.h"
#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "absl/strings/str_join.h"

namespace cifarbench {
namespace {

// The flags the program defines (in bench/), for the message about an unknown one.
std::string ProgramFlags() {
  std::vector<std::string> names;
  for (const auto& [name, flag] : absl::GetAllFlags()) {
    if (absl::StrContains(flag->Filename(), "bench/")) names.push_back(absl::StrCat("--", name));
  }
  std::sort(names.begin(), names.end());
  return absl::StrJoin(names, " ");
}

template <typename T>
bool Parses(const std::string& value, std::string* error) {
  T v;
  return absl::ParseFlag(value, &v, error);
}

// Why `value` does not parse as the flag's type; "" when it does (or for a type this does not
// know: absl checks those).
std::string ValueError(const absl::CommandLineFlag& flag, const std::string& value) {
  std::string error, type;
  bool ok = true;
  if (flag.IsOfType<bool>()) {
    ok = Parses<bool>(value, &error), type = "true or false";
  } else if (flag.IsOfType<int>() || flag.IsOfType<int64_t>()) {
    ok = Parses<int64_t>(value, &error) && (!flag.IsOfType<int>() || Parses<int>(value, &error)),
    type = "integer";
  } else if (flag.IsOfType<uint64_t>()) {
    ok = Parses<uint64_t>(value, &error), type = "non-negative integer";
  } else if (flag.IsOfType<double>()) {
    ok = Parses<double>(value, &error), type = "number";
  }
  if (ok) return "";
  return absl::StrCat("--", flag.Name(), "=", value, ": expected ", type,
                      error.empty() ? "" : absl::StrCat(" (", error, ")"));
}

}  // namespace

absl::StatusOr<std::vector<std::string>> ParseFlags(const std::vector<std::string>& args) {
  // absl's own flags (files of flags, help): absl handles them.
  static const char* const kAbslFlags[] = {"flagfile", "fromenv",     "tryfromenv",      "undefok",
                                           "help",     "helpfull",    "helpshort",       "helppackage",
                                           "helpon",   "helpmatch",   "only_check_args", "version"};
  for (size_t i = 1; i < args.size(); ++i) {
    const std::string& a = args[i];
    if (a == "--") break;
    if (!absl::StartsWith(a, "-") || a == "-") continue;
    std::string body = a.substr(absl::StartsWith(a, "--") ? 2 : 1);
    const size_t eq = body.find('=');
    const bool has_value = eq != std::string::npos;
    const std::string name = has_value ? body.substr(0, eq) : body;
    if (std::find(std::begin(kAbslFlags), std::end(kAbslFlags), name) != std::end(kAbslFlags)) {
      continue;
    }
    absl::CommandLineFlag* flag = absl::FindCommandLineFlag(name);
    if (flag == nullptr && absl::StartsWith(name, "no") && !has_value) {
      absl::CommandLineFlag* negated = absl::FindCommandLineFlag(name.substr(2));
      if (negated != nullptr && negated->IsOfType<bool>()) continue;
    }
    if (flag == nullptr) {
      return absl::InvalidArgumentError(
          absl::StrCat("unknown flag ", a, " (flags: ", ProgramFlags(), ")"));
    }
    std::string value;
    if (has_value) {
      value = body.substr(eq + 1);
    } else if (flag->IsOfType<bool>()) {
      continue;  // --flag means true
    } else if (i + 1 < args.size()) {
      value = args[++i];  // --flag value
    } else {
      return absl::InvalidArgumentError(absl::StrCat("flag ", a, " needs a value"));
    }
    if (std::string error = ValueError(*flag, value); !error.empty()) {
      return absl::InvalidArgumentError(error);
    }
  }
  std::vector<char*> argv;
  std::vector<std::string> copies = args;  // absl takes char*
  for (std::string& s : copies) argv.push_back(s.data());
  argv.push_back(nullptr);
  const std::vector<char*> rest =
      absl::ParseCommandLine(static_cast<int>(copies.size()), argv.data());
  std::vector<std::string> positional;
  for (size_t i = 1; i < rest.size(); ++i) positional.emplace_back(rest[i]);
  return positional;
}

}  // namespace cifarbench
