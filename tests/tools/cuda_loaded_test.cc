// Proves that a CUDA build of cifarbench has LibTorch's CUDA library loaded, not only linked,
// on a machine without a GPU: libtorch_cuda.so registers the CUDA hooks from a static
// initialiser, so when the linker dropped it (--as-needed) or the loader could not find it or
// its CUDA libraries (a broken RUNPATH, e.g. under Bazel's runfiles), ATen's stub hooks answer
// and throw "Cannot query CUDART version without ATen_cuda library".
//
// Built against a CPU-only LibTorch (Debian's 1.13) the stub must answer, which checks the
// check. CIFARBENCH_EXPECT_CUDA=1 (set by CI for its pip-torch builds) makes a build without
// CUDA a failure rather than that check, so a CUDA leg cannot silently build the CPU form.
#include <cstdlib>
#include <string>

#include <ATen/detail/CUDAHooksInterface.h>
#include <c10/util/Exception.h>

#include "gtest/gtest.h"

namespace {

[[maybe_unused]] bool ExpectCuda() {
  const char* v = std::getenv("CIFARBENCH_EXPECT_CUDA");
  return v != nullptr && std::string(v) == "1";
}

TEST(CudaLoadedTest, CudaRuntimeVersionFromLoadedLibrary) {
#if defined(CIFARBENCH_WITH_CUDA)
  long cudart = 0;
  try {
    cudart = at::detail::getCUDAHooks().versionCUDART();
  } catch (const c10::Error& e) {
    FAIL() << "built with CUDA, but LibTorch's CUDA library is not loaded: " << e.what_without_backtrace();
  }
  // CUDA 13.0 is 13000 (major * 1000 + minor * 10), the version the GPU machines run.
  EXPECT_GE(cudart, 13000) << "libtorch_cuda reports CUDA runtime " << cudart;
#else
  ASSERT_FALSE(ExpectCuda()) << "CIFARBENCH_EXPECT_CUDA=1, but this build has no CUDA "
                                "(CIFARBENCH_WITH_CUDA is not defined: a CPU-only LibTorch?)";
  // The stub hooks of a CPU-only LibTorch must throw: the failure the CUDA form detects.
  EXPECT_THROW(at::detail::getCUDAHooks().versionCUDART(), c10::Error);
#endif
}

}  // namespace
