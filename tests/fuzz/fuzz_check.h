// FUZZ_CHECK: a property a fuzz target asserts about the code under test. A failure prints what
// broke and the input's size, then aborts, so libFuzzer saves the input as a crash and the
// corpus replay (fuzz_replay_main.cc) fails.
#ifndef CIFARBENCH_TESTS_FUZZ_FUZZ_CHECK_H_
#define CIFARBENCH_TESTS_FUZZ_FUZZ_CHECK_H_

#include <cstdio>
#include <cstdlib>
#include <string>

#define FUZZ_CHECK(cond, what)                                                            \
  do {                                                                                    \
    if (!(cond)) {                                                                        \
      std::fprintf(stderr, "%s:%d: FUZZ_CHECK failed: %s\n  %s\n", __FILE__, __LINE__,    \
                   #cond, std::string(what).c_str());                                     \
      std::abort();                                                                       \
    }                                                                                     \
  } while (0)

#endif  // CIFARBENCH_TESTS_FUZZ_FUZZ_CHECK_H_
