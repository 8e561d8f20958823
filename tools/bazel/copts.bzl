"""Compiler options for cifarbench's own C++ targets: `copts = CB_COPTS`.

-std=c++17 and -D_GLIBCXX_USE_CXX11_ABI=1 are also set for every target in .bazelrc. The CMake
build reads the "-W..." items below from this file (cmake/CifarbenchHelpers.cmake): keep one
item per line, written as `    "-Wflag",`.
"""

CB_COPTS = [
    "-std=c++17",
    "-Wall",
    "-Wextra",
    "-Wno-unused-parameter",
    # LibTorch's and protobuf's headers trip these; they are not ours to fix.
    "-Wno-sign-compare",
    "-Wno-missing-field-initializers",
    "-Wno-deprecated-declarations",
]

# For tests: gtest's macros compare signed and unsigned freely.
CB_TEST_COPTS = CB_COPTS

# What an optimised build compiles with (code generation), one list for both builds: Bazel's
# `-c opt` (.bazelrc) applies exactly these through its auto-configured toolchain, and CMake's
# Release build takes them from here (CMAKE_CXX_FLAGS_RELEASE, cmake/CifarbenchHelpers.cmake).
# tools/build_parity.sh checks both builds' compile commands against this list. One item per
# line, written as `    "-flag",`.
CB_OPT_FLAGS = [
    "-O2",
    "-DNDEBUG",
    "-g0",
    "-ffunction-sections",
    "-fdata-sections",
    "-fstack-protector",
    "-fno-omit-frame-pointer",
]
