#include "core/host_memory.h"

#include <string>

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace cifarbench {
namespace {

std::string& Description() {
  static std::string* d = new std::string("system default");
  return *d;
}

}  // namespace

void ConfigureHostMalloc(HostMalloc mode) {
  if (mode == HostMalloc::kSystem) return;  // the C library as it is (an earlier kRetain stays)
#if defined(__GLIBC__)
  // mallopt(3): M_MMAP_MAX 0 disables mmap() for large blocks; M_TRIM_THRESHOLD -1 disables
  // returning the heap's top to the system.
  const bool ok = mallopt(M_MMAP_MAX, 0) == 1 && mallopt(M_TRIM_THRESHOLD, -1) == 1;
  Description() = ok ? "glibc retain (mmap off, trim off)" : "system default (mallopt refused)";
#else
  Description() = "system default (not glibc)";
#endif
}

std::string HostMallocDescription() { return Description(); }

}  // namespace cifarbench
