// core/host_memory: under glibc's defaults a 64 MiB block is an mmap()ed chunk (mallinfo2's
// hblks counts them); after ConfigureHostMalloc(kRetain) the same request comes from the heap,
// and freeing it returns nothing to the system (the heap's top stays mapped).
#include "core/host_memory.h"

#include <cstdlib>
#include <cstring>

#include "gtest/gtest.h"

#if defined(__GLIBC__)
#include <malloc.h>
#endif

namespace cifarbench {
namespace {

TEST(HostMemoryTest, RetainServesLargeBlocksFromTheHeapAndKeepsThem) {
  EXPECT_EQ(HostMallocDescription(), "system default");
  ConfigureHostMalloc(HostMalloc::kSystem);
  EXPECT_EQ(HostMallocDescription(), "system default");
#if defined(__GLIBC__)
  constexpr size_t kBlock = 64u << 20;
  const size_t mmapped_before = mallinfo2().hblks;
  void* a = std::malloc(kBlock);
  ASSERT_NE(a, nullptr);
  std::memset(a, 1, kBlock);
  EXPECT_EQ(mallinfo2().hblks, mmapped_before + 1);  // glibc's default: above 32 MiB, mmap()
  std::free(a);

  ConfigureHostMalloc(HostMalloc::kRetain);
  EXPECT_EQ(HostMallocDescription(), "glibc retain (mmap off, trim off)");
  void* b = std::malloc(kBlock);
  ASSERT_NE(b, nullptr);
  std::memset(b, 1, kBlock);
  EXPECT_EQ(mallinfo2().hblks, mmapped_before);  // from the heap
  const size_t heap = mallinfo2().arena;
  EXPECT_GE(heap, kBlock);
  std::free(b);
  EXPECT_EQ(mallinfo2().arena, heap);  // nothing trimmed: the pages stay mapped for reuse
  EXPECT_GE(mallinfo2().fordblks, kBlock);
#else
  ConfigureHostMalloc(HostMalloc::kRetain);
  EXPECT_EQ(HostMallocDescription(), "system default (not glibc)");
#endif
  ConfigureHostMalloc(HostMalloc::kSystem);  // cannot undo it, and does not claim to
  EXPECT_NE(HostMallocDescription(), "system default");
}

}  // namespace
}  // namespace cifarbench
