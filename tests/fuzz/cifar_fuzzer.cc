// Fuzz target: the CIFAR-10 binary batch reader (core/cifar), free of LibTorch.
//
// Input: the first byte picks the record count the reader expects (any, 0, 1, 2 or 3), the rest
// is the batch file's bytes. Properties checked beyond "no crash, no sanitizer report":
//   - an error is DataLoss and its message starts with the file's name;
//   - a batch that parses has size * 3,073 bytes, size labels in 0..9 and size * 3,072 image
//     bytes, equal to the input's bytes record by record.
#include <cstddef>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>

#include "absl/strings/match.h"
#include "absl/strings/str_cat.h"
#include "core/cifar.h"
#include "tests/fuzz/fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  if (size == 0) return 0;
  const int64_t choices[] = {-1, 0, 1, 2, 3};
  const int64_t expected = choices[data[0] % 5];
  const std::string_view bytes(reinterpret_cast<const char*>(data + 1), size - 1);
  constexpr char kPath[] = "fuzz/data_batch_1.bin";

  auto split = cifarbench::ParseCifarBatch(bytes, kPath, expected);
  if (!split.ok()) {
    FUZZ_CHECK(absl::IsDataLoss(split.status()), split.status().ToString());
    FUZZ_CHECK(absl::StartsWith(split.status().message(), absl::StrCat(kPath, ": ")),
               split.status().ToString());
    return 0;
  }
  const int64_t n = split->size;
  FUZZ_CHECK(n > 0, "an empty batch parsed");
  FUZZ_CHECK(expected < 0 || n == expected, absl::StrCat(n, " records, expected ", expected));
  FUZZ_CHECK(static_cast<int64_t>(bytes.size()) == n * cifarbench::kCifarRecordBytes,
             absl::StrCat(bytes.size(), " bytes for ", n, " records"));
  FUZZ_CHECK(static_cast<int64_t>(split->labels.size()) == n, "label count");
  FUZZ_CHECK(static_cast<int64_t>(split->images.size()) == n * cifarbench::kCifarImageBytes,
             "image byte count");
  for (int64_t r = 0; r < n; ++r) {
    const char* record = bytes.data() + r * cifarbench::kCifarRecordBytes;
    FUZZ_CHECK(split->labels[r] <= 9, absl::StrCat("label ", split->labels[r], " in record ", r));
    FUZZ_CHECK(split->labels[r] == static_cast<uint8_t>(record[0]), "label differs from input");
    FUZZ_CHECK(std::memcmp(split->images.data() + r * cifarbench::kCifarImageBytes, record + 1,
                           cifarbench::kCifarImageBytes) == 0,
               absl::StrCat("image bytes of record ", r, " differ from the input"));
  }
  return 0;
}
