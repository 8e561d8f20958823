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
  #
  # TorchConfig.cmake looks up each library with find_library(... PATHS <torch>/lib), which
  # searches the system folders *before* that hint: with Debian's libtorch-dev installed beside
  # a pip torch, TORCH_LIBRARY was /usr/lib/x86_64-linux-gnu/libtorch.so (1.13) next to pip's
  # libtorch_cpu.so (2.11). Put the LibTorch root (the folder holding lib/) first in
  # CMAKE_PREFIX_PATH while Torch is looked up (only then: its bin/ and include/ hold a protoc and
  # protobuf headers of its own, which FindProtobuf must not see); the check below catches the
  # rest.
  set(_cb_torch_roots)
  foreach(_cb_p IN LISTS Torch_DIR CMAKE_PREFIX_PATH)
    foreach(_cb_rel "../../.." "../.." ".")  # <root>/share/cmake/Torch, <root>/share/cmake, <root>
      get_filename_component(_cb_root "${_cb_p}/${_cb_rel}" ABSOLUTE)
      if(EXISTS "${_cb_root}/share/cmake/Torch/TorchConfig.cmake" AND EXISTS "${_cb_root}/lib")
        list(APPEND _cb_torch_roots "${_cb_root}")
        break()
      endif()
    endforeach()
  endforeach()
  set(_cb_saved_prefix_path "${CMAKE_PREFIX_PATH}")
  if(_cb_torch_roots)
    list(REMOVE_DUPLICATES _cb_torch_roots)
    list(PREPEND CMAKE_PREFIX_PATH ${_cb_torch_roots})
  endif()
  find_package(Torch REQUIRED)
  set(CMAKE_PREFIX_PATH "${_cb_saved_prefix_path}")
  # Every LibTorch library must come from the LibTorch whose config was found.
  get_filename_component(_cb_torch_prefix "${TORCH_INSTALL_PREFIX}" REALPATH)
  foreach(_cb_var TORCH_LIBRARY c10_LIBRARY C10_LIBRARY C10_CUDA_LIBRARY c10_cuda_LIBRARY
                  torch_cpu_LIBRARY TORCH_CPU_LIBRARY torch_cuda_LIBRARY TORCH_CUDA_LIBRARY)
    if(${_cb_var})
      get_filename_component(_cb_lib "${${_cb_var}}" REALPATH)
      string(FIND "${_cb_lib}" "${_cb_torch_prefix}/" _cb_at)
      if(NOT _cb_at EQUAL 0)
        message(FATAL_ERROR "cifarbench: ${_cb_var} is ${${_cb_var}}, outside the LibTorch found "
                            "(${TORCH_INSTALL_PREFIX}): two LibTorch installations would be mixed. "
                            "Put ${TORCH_INSTALL_PREFIX} first in CMAKE_PREFIX_PATH or set "
                            "${_cb_var} to the library in ${TORCH_INSTALL_PREFIX}/lib.")
      endif()
    endif()
  endforeach()

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

  # pip torch ships protobuf 3.13's headers in <torch>/include/google/protobuf. Every target that
  # links LibTorch gets <torch>/include as a system include folder, which the compiler searches
  # before /usr/include, so Debian's protobuf 3.21 (whose generated code and library we use) lost
  # to them: "PROTOBUF_MUST_USE_RESULT does not name a type". Give the compiler a copy of that
  # folder made of links to every entry but google/ instead, in LibTorch's own targets too.
  get_filename_component(_cb_torch_include "${TORCH_INSTALL_PREFIX}/include" REALPATH)
  if(EXISTS "${_cb_torch_include}/google/protobuf")
    set(_cb_filtered "${CMAKE_BINARY_DIR}/libtorch-include")
    file(REMOVE_RECURSE "${_cb_filtered}")
    file(MAKE_DIRECTORY "${_cb_filtered}")
    file(GLOB _cb_entries RELATIVE "${_cb_torch_include}" "${_cb_torch_include}/*")
    foreach(_cb_e IN LISTS _cb_entries)
      if(NOT _cb_e STREQUAL "google")
        file(CREATE_LINK "${_cb_torch_include}/${_cb_e}" "${_cb_filtered}/${_cb_e}" SYMBOLIC)
      endif()
    endforeach()
    set(_cb_new_dirs)
    foreach(_cb_d IN LISTS TORCH_INCLUDE_DIRS)
      get_filename_component(_cb_real "${_cb_d}" REALPATH)
      string(REPLACE "${_cb_torch_include}" "${_cb_filtered}" _cb_real "${_cb_real}")
      list(APPEND _cb_new_dirs "${_cb_real}")
    endforeach()
    set(TORCH_INCLUDE_DIRS ${_cb_new_dirs})
    foreach(_cb_t torch torch_cpu torch_cuda c10 c10_cuda)
      if(TARGET ${_cb_t})
        get_target_property(_cb_incs ${_cb_t} INTERFACE_INCLUDE_DIRECTORIES)
        if(_cb_incs)
          set(_cb_fixed)
          foreach(_cb_d IN LISTS _cb_incs)
            if(EXISTS "${_cb_d}")
              get_filename_component(_cb_d "${_cb_d}" REALPATH)
            endif()
            string(REPLACE "${_cb_torch_include}" "${_cb_filtered}" _cb_d "${_cb_d}")
            list(APPEND _cb_fixed "${_cb_d}")
          endforeach()
          set_target_properties(${_cb_t} PROPERTIES INTERFACE_INCLUDE_DIRECTORIES "${_cb_fixed}")
        endif()
      endif()
    endforeach()
    message(STATUS "cifarbench: LibTorch's headers through ${_cb_filtered} (without its "
                   "google/protobuf, so that the protobuf found below is the one compiled against)")
  endif()

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

# --- OpenSSL's libcrypto (SHA-256: core/sha256.h) ------------------------------------------
# FindOpenSSL honours CMAKE_PREFIX_PATH, so the GPU bundle's unpacked libssl-dev is found first.
find_package(OpenSSL REQUIRED COMPONENTS Crypto)
message(STATUS "cifarbench: OpenSSL ${OPENSSL_VERSION} libcrypto ${OPENSSL_CRYPTO_LIBRARY}")

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
