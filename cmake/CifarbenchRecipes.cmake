# Plugins and recipes by convention, and the C++ of .proto files (Bazel: tools/bazel/recipes.bzl).
#
#   cifarbench_plugin_folders()
#       recipes/CMakeLists.txt: every folder recipes/<plugin>/ is a plugin, found by one glob:
#         <plugin>.proto        optional settings message -> cifarbench_proto_<plugin>
#         *_settings.cc         optional settings registration (LibTorch-free)
#                               -> OBJECT library cifarbench_settings_<plugin>
#         *.cc, *.h             the plugin -> OBJECT library cifarbench_plugin_<plugin>, which also
#                               holds its settings registration and its recipes
#         <recipe>.textproto    one recipe each (file stem = name, folder = plugin)
#       The globs are CONFIGURE_DEPENDS: a new folder, source or recipe re-runs CMake on the
#       next build. With CIFARBENCH_FUZZ only the settings are built.
#   cifarbench_all_plugins (INTERFACE)   every plugin's objects: link it into the runner, or
#                                        link one cifarbench_plugin_<plugin> (never both)
#   cifarbench_all_settings (INTERFACE)  every plugin's settings alone (config tests, fuzzers);
#                                        never together with a plugin
#
#   cifarbench_proto_library(<target> <file.proto>...)
#       protoc --cpp_out into the build root (paths relative to the source root, so that
#       "proto/recipe.pb.h" and "recipes/hlb/hlb.pb.h" resolve as under Bazel); STATIC library
#       <target> linking cifarbench_protobuf.
#
#   cifarbench_add_recipe(NAME <recipe> SRC <file>.textproto PLUGIN <plugin> [TARGET <lib>])
#       Writes <build>/<dir>/<recipe>_recipe.cc containing exactly
#         #include "core/registry.h"
#         CIFARBENCH_REGISTER_RECIPE("<recipe>", "<plugin>", "<dir>/<file>.textproto",
#                                    R"cbrecipe(<the file's text>)cbrecipe");
#       (<dir> relative to the source root) and adds it to <lib> (default: a new OBJECT library
#       cifarbench_recipe_<recipe>, for tests of the embedding). Editing the textproto re-runs
#       CMake, which rewrites the .cc (only when its text changed).
#
# The registry library is cifarbench_registry (core/CMakeLists.txt).
include_guard(GLOBAL)

if(NOT TARGET cifarbench_all_plugins)
  add_library(cifarbench_all_plugins INTERFACE)
  add_library(cifarbench_all_settings INTERFACE)
endif()

function(cifarbench_proto_library target)
  set(_srcs)
  foreach(_proto IN LISTS ARGN)
    file(RELATIVE_PATH _rel "${PROJECT_SOURCE_DIR}" "${CMAKE_CURRENT_SOURCE_DIR}/${_proto}")
    string(REGEX REPLACE "\\.proto$" "" _stem "${_rel}")
    set(_cc "${PROJECT_BINARY_DIR}/${_stem}.pb.cc")
    set(_h "${PROJECT_BINARY_DIR}/${_stem}.pb.h")
    add_custom_command(
      OUTPUT "${_cc}" "${_h}"
      COMMAND "${Protobuf_PROTOC_EXECUTABLE}"
              --cpp_out=${PROJECT_BINARY_DIR}
              -I${PROJECT_SOURCE_DIR}
              -I${Protobuf_INCLUDE_DIRS}
              ${PROJECT_SOURCE_DIR}/${_rel}
      DEPENDS "${PROJECT_SOURCE_DIR}/${_rel}" "${Protobuf_PROTOC_EXECUTABLE}"
      COMMENT "protoc ${_rel}"
      VERBATIM)
    list(APPEND _srcs "${_cc}" "${_h}")
  endforeach()
  add_library(${target} STATIC ${_srcs})
  target_include_directories(${target} PUBLIC "${PROJECT_BINARY_DIR}")
  target_link_libraries(${target} PUBLIC cifarbench_protobuf)
endfunction()

# Every plugin may use all of core (as _PLUGIN_DEPS in tools/bazel/recipes.bzl).
set(CIFARBENCH_SETTINGS_DEPS cifarbench_registry cifarbench_validation cifarbench_proto
    cifarbench_protobuf absl::status absl::statusor absl::strings)
set(CIFARBENCH_PLUGIN_DEPS cifarbench_train cifarbench_muon cifarbench_lookahead cifarbench_tta
    cifarbench_augment cifarbench_nn_init cifarbench_schedule ${TORCH_LIBRARIES})

function(cifarbench_plugin_folders)
  file(GLOB _entries LIST_DIRECTORIES true CONFIGURE_DEPENDS "${CMAKE_CURRENT_SOURCE_DIR}/*")
  set(_recipes)
  foreach(_dir IN LISTS _entries)
    if(NOT IS_DIRECTORY "${_dir}")
      continue()
    endif()
    get_filename_component(_plugin "${_dir}" NAME)
    if(NOT _plugin MATCHES "^[a-z_][a-z0-9_]*$")
      message(FATAL_ERROR "recipes/${_plugin}: a plugin's folder name must be a lower-case "
                          "identifier (letters, digits, _)")
    endif()
    file(GLOB _protos CONFIGURE_DEPENDS RELATIVE "${CMAKE_CURRENT_SOURCE_DIR}" "${_dir}/*.proto")
    file(GLOB _settings CONFIGURE_DEPENDS "${_dir}/*_settings.cc")
    file(GLOB _srcs CONFIGURE_DEPENDS "${_dir}/*.cc")
    file(GLOB _textprotos CONFIGURE_DEPENDS "${_dir}/*.textproto")
    if(_settings)
      list(REMOVE_ITEM _srcs ${_settings})
    endif()
    set(_own)
    if(_protos)
      cifarbench_proto_library(cifarbench_proto_${_plugin} ${_protos})
      target_link_libraries(cifarbench_proto_${_plugin} PUBLIC cifarbench_proto)
      list(APPEND _own cifarbench_proto_${_plugin})
    endif()
    if(_settings)
      add_library(cifarbench_settings_${_plugin} OBJECT ${_settings})
      cifarbench_copts(cifarbench_settings_${_plugin})
      target_link_libraries(cifarbench_settings_${_plugin} PUBLIC ${_own} ${CIFARBENCH_SETTINGS_DEPS})
      target_sources(cifarbench_all_settings INTERFACE $<TARGET_OBJECTS:cifarbench_settings_${_plugin}>)
      target_link_libraries(cifarbench_all_settings INTERFACE cifarbench_settings_${_plugin})
    endif()
    if(CIFARBENCH_FUZZ)
      continue()
    endif()
    set(_lib cifarbench_plugin_${_plugin})
    add_library(${_lib} OBJECT ${_srcs} ${_settings})
    cifarbench_copts(${_lib})
    target_link_libraries(${_lib} PUBLIC ${_own} ${CIFARBENCH_SETTINGS_DEPS} ${CIFARBENCH_PLUGIN_DEPS})
    foreach(_textproto IN LISTS _textprotos)
      get_filename_component(_name "${_textproto}" NAME_WE)
      if(_name IN_LIST _recipes)
        message(FATAL_ERROR "recipe '${_name}' (${_textproto}) is defined twice")
      endif()
      list(APPEND _recipes ${_name})
      cifarbench_add_recipe(NAME ${_name} SRC "${_textproto}" PLUGIN ${_plugin} TARGET ${_lib})
    endforeach()
    target_sources(cifarbench_all_plugins INTERFACE $<TARGET_OBJECTS:${_lib}>)
    target_link_libraries(cifarbench_all_plugins INTERFACE ${_lib})
  endforeach()
endfunction()

function(cifarbench_add_recipe)
  cmake_parse_arguments(ARG "" "NAME;SRC;PLUGIN;TARGET" "" ${ARGN})
  if(ARG_UNPARSED_ARGUMENTS)
    message(FATAL_ERROR "cifarbench_add_recipe: unknown arguments ${ARG_UNPARSED_ARGUMENTS}")
  endif()
  if(NOT ARG_NAME OR NOT ARG_SRC OR NOT ARG_PLUGIN)
    message(FATAL_ERROR "cifarbench_add_recipe: NAME, SRC and PLUGIN are required")
  endif()
  foreach(_v IN ITEMS "${ARG_NAME}" "${ARG_PLUGIN}")
    if(NOT _v MATCHES "^[A-Za-z0-9_-]+$")
      message(FATAL_ERROR "cifarbench_add_recipe: '${_v}': use letters, digits, _ and - only")
    endif()
  endforeach()

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

  if(ARG_TARGET)
    target_sources(${ARG_TARGET} PRIVATE "${_out}")
  else()
    add_library(cifarbench_recipe_${ARG_NAME} OBJECT "${_out}")
    cifarbench_copts(cifarbench_recipe_${ARG_NAME})
    target_link_libraries(cifarbench_recipe_${ARG_NAME} PRIVATE cifarbench_registry)
  endif()
endfunction()
