# Helpers shared by cifarbench's CMakeLists.txt files.
#
#   CIFARBENCH_COPTS
#       cifarbench's warning flags: every "-W..." item of CB_COPTS in tools/bazel/copts.bzl, read
#       from that file (one list for both builds); the root CMakeLists.txt applies them to every
#       target.
#   CIFARBENCH_OPT_FLAGS
#       the optimised build's code-generation flags: CB_OPT_FLAGS of tools/bazel/copts.bzl (what
#       Bazel's -c opt compiles with); the root CMakeLists.txt sets CMAKE_CXX_FLAGS_RELEASE to them.
#   cifarbench_copts(<target>)
#       -Werror on <target> when CIFARBENCH_WERROR is ON.
#   cifarbench_copts_directory()
#       cifarbench_copts on every compiled target the calling directory has declared so far.
#
#   cifarbench_add_test(NAME <name> SRCS <src>... [DEPS <target>...] [LABELS <label>...]
#                       [TIMEOUT <seconds>] [NO_MAIN])
#       A gtest executable <name> linked with DEPS and GTest::gtest_main (GTest::gtest with
#       NO_MAIN), registered with ctest as <name>. It runs in the source directory (as a Bazel
#       test runs in its runfiles root), so "tests/x/testdata/y" style paths work in both.
include_guard(GLOBAL)

# The "-..." items of the Starlark list NAME in tools/bazel/copts.bzl that match REGEX, into OUT
# (file(READ), not file(STRINGS): a line holding "[" would merge the list's next items).
file(READ "${CMAKE_CURRENT_LIST_DIR}/../tools/bazel/copts.bzl" _cb_copts_bzl)
function(_cb_bzl_flags name regex out)
  string(REGEX MATCH "\n${name} = \\[[^]]*\\]" _block "${_cb_copts_bzl}")
  string(REGEX MATCHALL "\n    \"-[^\"]*\"," _items "${_block}")
  set(_flags)
  foreach(_item IN LISTS _items)
    string(REGEX REPLACE "^\n    \"(-[^\"]*)\",$" "\\1" _flag "${_item}")
    if(_flag MATCHES "${regex}")
      list(APPEND _flags "${_flag}")
    endif()
  endforeach()
  set(${out} "${_flags}" PARENT_SCOPE)
endfunction()

_cb_bzl_flags(CB_COPTS "^-W" CIFARBENCH_COPTS)
if(NOT CIFARBENCH_COPTS MATCHES "-Wall")
  message(FATAL_ERROR "cifarbench: no warning flags read from tools/bazel/copts.bzl (CB_COPTS)")
endif()
# CIFARBENCH_OPT_FLAGS: what Bazel's -c opt compiles with; the root CMakeLists.txt makes them
# the Release flags.
_cb_bzl_flags(CB_OPT_FLAGS "^-" CIFARBENCH_OPT_FLAGS)
if(NOT CIFARBENCH_OPT_FLAGS MATCHES "-O2")
  message(FATAL_ERROR "cifarbench: no optimisation flags read from tools/bazel/copts.bzl (CB_OPT_FLAGS)")
endif()

function(cifarbench_copts target)
  if(CIFARBENCH_WERROR AND CMAKE_CXX_COMPILER_ID MATCHES "GNU|Clang")
    target_compile_options(${target} PRIVATE -Werror)
  endif()
endfunction()

function(cifarbench_copts_directory)
  get_property(_cb_targets DIRECTORY PROPERTY BUILDSYSTEM_TARGETS)
  foreach(_cb_target IN LISTS _cb_targets)
    get_target_property(_cb_type ${_cb_target} TYPE)
    if(NOT _cb_type STREQUAL "INTERFACE_LIBRARY")
      cifarbench_copts(${_cb_target})
    endif()
  endforeach()
endfunction()

function(cifarbench_add_test)
  cmake_parse_arguments(ARG "NO_MAIN" "NAME;TIMEOUT" "SRCS;DEPS;LABELS" ${ARGN})
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "cifarbench_add_test: unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_NAME OR NOT ARG_SRCS)
    message(FATAL_ERROR "cifarbench_add_test: NAME and SRCS are required")
  endif()
  add_executable(${ARG_NAME} ${ARG_SRCS})
  cifarbench_copts(${ARG_NAME})
  if(ARG_NO_MAIN)
    target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest)
  else()
    target_link_libraries(${ARG_NAME} PRIVATE ${ARG_DEPS} GTest::gtest_main)
  endif()
  add_test(NAME ${ARG_NAME} COMMAND ${ARG_NAME} WORKING_DIRECTORY "${PROJECT_SOURCE_DIR}")
  if(ARG_TIMEOUT)
    set_tests_properties(${ARG_NAME} PROPERTIES TIMEOUT ${ARG_TIMEOUT})
  endif()
  if(ARG_LABELS)
    set_tests_properties(${ARG_NAME} PROPERTIES LABELS "${ARG_LABELS}")
  endif()
endfunction()
