# Finds cifarbench's dependencies and defines the INTERFACE targets that mirror Bazel's
# external labels:
#   cifarbench_torch  <- @libtorch//:libtorch   (${TORCH_LIBRARIES}, headers, CIFARBENCH_WITH_CUDA)
#   cifarbench_absl   <- @absl//:absl
#   cifarbench_protobuf, Protobuf_PROTOC_EXECUTABLE <- @com_google_protobuf
#   GTest::gtest, GTest::gtest_main         <- @gtest
# Everything is looked up through CMAKE_PREFIX_PATH / <Pkg>_DIR / <Pkg>_ROOT; nothing assumes /usr.
include_guard(GLOBAL)

# --- LibTorch ------------------------------------------------------------------------------
# Not for the fuzz build (CIFARBENCH_FUZZ), which compiles only the LibTorch-free parts.
if(CIFARBENCH_FUZZ)
  set(CIFARBENCH_WITH_CUDA OFF)
  add_compile_definitions(_GLIBCXX_USE_CXX11_ABI=1)
else()
  # Torch_DIR, or CMAKE_PREFIX_PATH holding the folder with Torch/TorchConfig.cmake
  # (pip: torch.utils.cmake_prefix_path; unpacked LibTorch: its root; Debian: found by default).
  find_package(Torch REQUIRED)

  # TorchConfig sets TORCH_CXX_FLAGS to -D_GLIBCXX_USE_CXX11_ABI=<0|1>. Every translation unit
  # must agree, and the abseil/protobuf found here use the C++11 ABI.
  set(CIFARBENCH_CXX11_ABI 1)
  if(TORCH_CXX_FLAGS MATCHES "_GLIBCXX_USE_CXX11_ABI=([01])")
    set(CIFARBENCH_CXX11_ABI ${CMAKE_MATCH_1})
  endif()
  if(CIFARBENCH_CXX11_ABI STREQUAL "0")
    message(FATAL_ERROR
      "cifarbench: the LibTorch found (${TORCH_INSTALL_PREFIX}) uses the pre-C++11 string ABI "
      "(-D_GLIBCXX_USE_CXX11_ABI=0), but abseil and protobuf use the C++11 ABI, so nothing "
      "would link. Use a cxx11-ABI LibTorch (libtorch-cxx11-abi-*, pip torch >= 2.7) or "
      "Debian's libtorch-dev.")
  endif()
  add_compile_definitions(_GLIBCXX_USE_CXX11_ABI=${CIFARBENCH_CXX11_ABI})

  set(CIFARBENCH_WITH_CUDA OFF)
  if(TARGET torch_cuda OR TARGET c10_cuda OR TORCH_CUDA_LIBRARIES)
    set(CIFARBENCH_WITH_CUDA ON)
  endif()

  add_library(cifarbench_torch INTERFACE)
  # LibTorch registers operators and backends from static initialisers in libraries nothing
  # references directly: keep them all (--no-as-needed), as LibTorch requires.
  target_link_libraries(cifarbench_torch INTERFACE
    "$<$<CXX_COMPILER_ID:GNU,Clang>:-Wl,--no-as-needed>" ${TORCH_LIBRARIES})
  target_include_directories(cifarbench_torch SYSTEM INTERFACE ${TORCH_INCLUDE_DIRS})
  if(CIFARBENCH_WITH_CUDA)
    # Everywhere, so that targets linking ${TORCH_LIBRARIES} directly see it too.
    add_compile_definitions(CIFARBENCH_WITH_CUDA=1)
  endif()
  message(STATUS "cifarbench: LibTorch ${Torch_VERSION} at ${TORCH_INSTALL_PREFIX} "
                 "(CUDA: ${CIFARBENCH_WITH_CUDA}, _GLIBCXX_USE_CXX11_ABI=${CIFARBENCH_CXX11_ABI})")
endif()

# --- abseil --------------------------------------------------------------------------------
find_package(absl CONFIG REQUIRED)
add_library(cifarbench_absl INTERFACE)
set(_cb_absl_components
  base status statusor strings str_format cord
  flags flags_parse flags_usage flags_marshalling flags_reflection
  synchronization time hash raw_hash_set flat_hash_map flat_hash_set node_hash_map
  btree inlined_vector span optional variant random_random)
foreach(_c IN LISTS _cb_absl_components)
  if(TARGET absl::${_c})
    target_link_libraries(cifarbench_absl INTERFACE absl::${_c})
  endif()
endforeach()
message(STATUS "cifarbench: abseil ${absl_VERSION} (${absl_DIR})")

# --- protobuf ------------------------------------------------------------------------------
# FindProtobuf (Debian ships no protobuf-config.cmake). Shared libprotobuf, as LibTorch uses it.
# Not its protobuf::libprotobuf target: on the H200 machine (pip torch 2.11, CMake 4.4) linking
# that target linked no libprotobuf at all (every protobuf symbol undefined), as when a target of
# that name already exists when FindProtobuf runs (Caffe2Config.cmake, found first, can define a
# placeholder when torch links its own protobuf). cifarbench_protobuf names the library and the
# headers found here.
find_package(Protobuf REQUIRED)
if(NOT Protobuf_PROTOC_EXECUTABLE)
  message(FATAL_ERROR "cifarbench: protoc not found (Debian: protobuf-compiler; or set "
                      "Protobuf_PROTOC_EXECUTABLE)")
endif()
set(_cb_protobuf_library "${Protobuf_LIBRARY_RELEASE}")
if(NOT _cb_protobuf_library)
  set(_cb_protobuf_library "${Protobuf_LIBRARY}")
endif()
if(NOT _cb_protobuf_library OR NOT EXISTS "${_cb_protobuf_library}")
  message(FATAL_ERROR "cifarbench: FindProtobuf found no libprotobuf file "
                      "(Protobuf_LIBRARY=${Protobuf_LIBRARY}); set Protobuf_LIBRARY")
endif()
find_package(Threads REQUIRED)
add_library(cifarbench_protobuf INTERFACE)
target_link_libraries(cifarbench_protobuf INTERFACE "${_cb_protobuf_library}" Threads::Threads)
target_include_directories(cifarbench_protobuf INTERFACE ${Protobuf_INCLUDE_DIRS})
# Before every other include folder, so that no other copy of the protobuf (or abseil) headers,
# e.g. one inside a LibTorch, is seen first. Not when they are the compiler's own /usr/include
# (a -isystem /usr/include would reorder the C++ library's headers).
foreach(_cb_inc IN LISTS Protobuf_INCLUDE_DIRS)
  if(NOT _cb_inc STREQUAL "/usr/include")
    include_directories(BEFORE "${_cb_inc}")
  endif()
endforeach()
message(STATUS "cifarbench: protobuf ${Protobuf_VERSION}, protoc ${Protobuf_PROTOC_EXECUTABLE}")

# --- Boost.Math (headers only) ------------------------------------------------------------
# Found by its header, not FindBoost (CMake 4 removed that module).
find_path(CIFARBENCH_BOOST_INCLUDE_DIR boost/math/distributions/students_t.hpp)
if(NOT CIFARBENCH_BOOST_INCLUDE_DIR)
  message(FATAL_ERROR "cifarbench: Boost.Math headers not found (Debian: libboost-dev; or set "
                      "CIFARBENCH_BOOST_INCLUDE_DIR)")
endif()
message(STATUS "cifarbench: Boost.Math headers in ${CIFARBENCH_BOOST_INCLUDE_DIR}")

# --- GoogleTest ----------------------------------------------------------------------------
if(CIFARBENCH_BUILD_TESTS)
  find_package(GTest REQUIRED)
  if(NOT TARGET GTest::gtest_main AND TARGET GTest::Main)
    add_library(GTest::gtest_main ALIAS GTest::Main)
    add_library(GTest::gtest ALIAS GTest::GTest)
  endif()
  include(GoogleTest)
endif()
