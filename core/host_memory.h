// How the process's C allocator treats large freed blocks: the CPU training step allocates and
// frees every activation anew (tens to hundreds of MB at batch 2000), and glibc serves each
// block above 32 MiB with a fresh mmap() and returns it with munmap() when freed, so every step
// faults in and zeroes the same pages again. Measured on 2 cores (airbench94_muon, quarter
// width, 2 epochs; docs/benchmarks.md "The CPU allocator"): 11-12 million minor page faults and
// 35-50 s of system time per run under glibc's defaults, about 1 million and 4-7 s when the
// blocks are kept.
#ifndef CIFARBENCH_CORE_HOST_MEMORY_H_
#define CIFARBENCH_CORE_HOST_MEMORY_H_

#include <string>

namespace cifarbench {

enum class HostMalloc {
  // glibc: no mmap() for large blocks (M_MMAP_MAX 0: they come from the heap) and freed memory
  // never returned (M_TRIM_THRESHOLD -1), so a step reuses pages already mapped. The process's peak resident memory grows by what it frees and reallocates (4.5
  // against 3.3 GB in the measurement above). Elsewhere than glibc: the system's allocator.
  kRetain,
  // The C library's settings as they are (this does not undo an earlier kRetain).
  kSystem,
};

// Applies `mode` to the process (call it once, early: blocks allocated before keep their
// kind) and remembers it for HostMallocDescription().
void ConfigureHostMalloc(HostMalloc mode);

// What the last ConfigureHostMalloc did, for reports' context: "glibc retain (mmap off, trim
// off)", "system default", or "system default (not glibc)"; "system default" if never called.
std::string HostMallocDescription();

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_HOST_MEMORY_H_
