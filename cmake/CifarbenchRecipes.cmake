# Shipped recipes compiled into the binaries, and the plugin list (Bazel: tools/bazel/recipes.bzl).
#
#   cifarbench_add_recipe(NAME <recipe> SRC <file>.textproto PLUGIN <plugin>)
#   cifarbench_add_recipe(<recipe> <file>.textproto <plugin>)          # the same, positional
#       Writes <build>/<dir>/<recipe>_recipe.cc containing exactly
#         #include "core/registry.h"
#         CIFARBENCH_REGISTER_RECIPE("<recipe>", "<plugin>", "<dir>/<file>.textproto",
#                                    R"cbrecipe(<the file's text>)cbrecipe");
#       (<dir> relative to the source root), builds it as OBJECT library
#       cifarbench_recipe_<recipe>, and adds its objects to cifarbench_all_plugins (unless
#       EXCLUDE_FROM_ALL_PLUGINS: for tests, which link cifarbench_recipe_<recipe> themselves).
#       Editing the textproto re-runs CMake, which rewrites the .cc (only when its text changed).
#
#   cifarbench_add_plugin(<plugin> SOURCES <src>... [DEPS <target>...])
#       Builds the plugin's registering sources as OBJECT library cifarbench_plugin_<plugin>
#       (DEPS linked PUBLIC) and adds its objects to cifarbench_all_plugins.
#   cifarbench_add_plugin(<target>)
#       Adds an existing plugin library to cifarbench_all_plugins: whole-archive for a STATIC
#       library, its objects for an OBJECT library, so static registrars are never dropped.
#   Link a plugin into a binary only through cifarbench_all_plugins (linking the plugin's own
#   library as well would define its registrar twice).
#
#   cifarbench_all_plugins (INTERFACE)
#       Link it into the runner (bench) and into tests that need every plugin and recipe.
#
# The registry library is cifarbench_registry (core/CMakeLists.txt).
include_guard(GLOBAL)

if(NOT TARGET cifarbench_all_plugins)
  add_library(cifarbench_all_plugins INTERFACE)
endif()
set(CIFARBENCH_REGISTRY_TARGET cifarbench_registry CACHE STRING
    "The library that defines the recipe/plugin registry (core/registry.h)")
mark_as_advanced(CIFARBENCH_REGISTRY_TARGET)

# Whole-archive linking of <lib> into whatever links <consumer>.
function(_cifarbench_link_whole consumer lib)
  if(CMAKE_VERSION VERSION_GREATER_EQUAL 3.24)
    target_link_libraries(${consumer} INTERFACE "$<LINK_LIBRARY:WHOLE_ARCHIVE,${lib}>")
  else()
    target_link_libraries(${consumer} INTERFACE
      "-Wl,--whole-archive" "$<TARGET_FILE:${lib}>" "-Wl,--no-whole-archive" ${lib})
  endif()
endfunction()

function(cifarbench_add_plugin target)
  cmake_parse_arguments(ARG "" "" "SOURCES;DEPS" ${ARGN})
  if(ARG_SOURCES)
    if(NOT target MATCHES "^[A-Za-z0-9_-]+$")
      message(FATAL_ERROR "cifarbench_add_plugin: '${target}': use letters, digits, _ and - only")
    endif()
    set(target cifarbench_plugin_${target})
    add_library(${target} OBJECT ${ARG_SOURCES})
    cifarbench_copts(${target})
    target_link_libraries(${target} PUBLIC ${ARG_DEPS} ${CIFARBENCH_REGISTRY_TARGET})
  elseif(ARG_DEPS OR ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "cifarbench_add_plugin: DEPS without SOURCES, or unknown arguments")
  endif()
  if(NOT TARGET ${target})
    message(FATAL_ERROR "cifarbench_add_plugin: no target '${target}'")
  endif()
  get_target_property(_type ${target} TYPE)
  if(_type STREQUAL "OBJECT_LIBRARY")
    target_sources(cifarbench_all_plugins INTERFACE $<TARGET_OBJECTS:${target}>)
    target_link_libraries(cifarbench_all_plugins INTERFACE ${target})
  elseif(_type STREQUAL "STATIC_LIBRARY")
    _cifarbench_link_whole(cifarbench_all_plugins ${target})
  else()
    target_link_libraries(cifarbench_all_plugins INTERFACE ${target})
  endif()
  set_property(GLOBAL APPEND PROPERTY CIFARBENCH_PLUGINS ${target})
endfunction()

function(cifarbench_add_recipe)
  if(ARGV0 STREQUAL "NAME")
    cmake_parse_arguments(ARG "EXCLUDE_FROM_ALL_PLUGINS" "NAME;SRC;PLUGIN" "" ${ARGN})
  else()
    set(ARG_NAME "${ARGV0}")
    set(ARG_SRC "${ARGV1}")
    set(ARG_PLUGIN "${ARGV2}")
  endif()
  if(NOT ARG_NAME OR NOT ARG_SRC OR NOT ARG_PLUGIN)
    message(FATAL_ERROR "cifarbench_add_recipe: NAME, SRC and PLUGIN are required")
  endif()
  foreach(_v IN ITEMS "${ARG_NAME}" "${ARG_PLUGIN}")
    if(NOT _v MATCHES "^[A-Za-z0-9_-]+$")
      message(FATAL_ERROR "cifarbench_add_recipe: '${_v}': use letters, digits, _ and - only")
    endif()
  endforeach()
  get_property(_seen GLOBAL PROPERTY CIFARBENCH_RECIPES)
  if(ARG_NAME IN_LIST _seen)
    message(FATAL_ERROR "cifarbench_add_recipe: recipe '${ARG_NAME}' is defined twice")
  endif()

  get_filename_component(_src "${ARG_SRC}" ABSOLUTE BASE_DIR "${CMAKE_CURRENT_SOURCE_DIR}")
  if(NOT EXISTS "${_src}")
    message(FATAL_ERROR "cifarbench_add_recipe: ${_src} does not exist")
  endif()
  file(RELATIVE_PATH CB_RECIPE_PATH "${PROJECT_SOURCE_DIR}" "${_src}")
  file(READ "${_src}" CB_RECIPE_TEXT)
  string(FIND "${CB_RECIPE_TEXT}" ")cbrecipe\"" _bad)
  if(NOT _bad EQUAL -1)
    message(FATAL_ERROR "cifarbench_add_recipe: ${CB_RECIPE_PATH} contains ')cbrecipe\"', "
                        "which would end the raw string")
  endif()
  set(CB_RECIPE_NAME "${ARG_NAME}")
  set(CB_RECIPE_PLUGIN "${ARG_PLUGIN}")
  # @ONLY: only the four @CB_...@ references are substituted; the recipe's own text is
  # inserted as it is (substituted values are not scanned again).
  set(_out "${CMAKE_CURRENT_BINARY_DIR}/${ARG_NAME}_recipe.cc")
  file(CONFIGURE OUTPUT "${_out}" @ONLY CONTENT
"#include \"core/registry.h\"
CIFARBENCH_REGISTER_RECIPE(\"@CB_RECIPE_NAME@\", \"@CB_RECIPE_PLUGIN@\", \"@CB_RECIPE_PATH@\", R\"cbrecipe(@CB_RECIPE_TEXT@)cbrecipe\");
")
  # Re-run CMake (and so rewrite the .cc) when the textproto changes.
  set_property(DIRECTORY APPEND PROPERTY CMAKE_CONFIGURE_DEPENDS "${_src}")

  set(_lib cifarbench_recipe_${ARG_NAME})
  add_library(${_lib} OBJECT "${_out}")
  cifarbench_copts(${_lib})
  target_link_libraries(${_lib} PRIVATE ${CIFARBENCH_REGISTRY_TARGET})
  if(NOT ARG_EXCLUDE_FROM_ALL_PLUGINS)
    target_sources(cifarbench_all_plugins INTERFACE $<TARGET_OBJECTS:${_lib}>)
    target_link_libraries(cifarbench_all_plugins INTERFACE ${CIFARBENCH_REGISTRY_TARGET})
    set_property(GLOBAL APPEND PROPERTY CIFARBENCH_RECIPES ${ARG_NAME})
  endif()
endfunction()
