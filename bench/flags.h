// Command-line flags of cifarbench's tools (bench, compare, merge): absl flags, checked first so
// that a bad flag is bad input with the project's exit code 2 (README, "Exit codes");
// absl::ParseCommandLine alone prints its error and exits 1.
#ifndef CIFARBENCH_BENCH_FLAGS_H_
#define CIFARBENCH_BENCH_FLAGS_H_

#include <string>
#include <vector>

#include "absl/status/statusor.h"

namespace cifarbench {

// Parses `args` (args[0] the program's name) into the flags the program defines with ABSL_FLAG
// and returns the positional arguments (args[0] excluded). InvalidArgument, before any flag is
// set, for an unknown flag (naming the program's own flags) or a value its type refuses
// ("--runs=abc"). `--name=value`, `--name value`, `--bool_flag`, `--nobool_flag` and `--` (the
// end of flags) as absl reads them; --help and its kin print and exit as absl does.
absl::StatusOr<std::vector<std::string>> ParseFlags(const std::vector<std::string>& args);

}  // namespace cifarbench

#endif  // CIFARBENCH_BENCH_FLAGS_H_
