// Paths the user typed, resolved against the folder they ran the command from.
#ifndef CIFARBENCH_CORE_USER_PATH_H_
#define CIFARBENCH_CORE_USER_PATH_H_

#include <string>

namespace cifarbench {

// Resolves a user-given path against the folder the user ran the command from
// (BUILD_WORKING_DIRECTORY under bazel run, else the current directory). Absolute and empty
// paths come back unchanged.
std::string ResolveUserPath(const std::string& path);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_USER_PATH_H_
