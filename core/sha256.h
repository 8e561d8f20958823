// A small, dependency-free SHA-256 (FIPS 180-4), used to fingerprint recipe texts in reports.
// Free of LibTorch and of any crypto library.
#ifndef CIFARBENCH_CORE_SHA256_H_
#define CIFARBENCH_CORE_SHA256_H_

#include <array>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace cifarbench {

// Incremental hasher: Update() any number of times, then Finish() once.
class Sha256 {
 public:
  Sha256();

  void Update(std::string_view data);
  // The 32-byte digest. The hasher must not be updated afterwards.
  std::array<uint8_t, 32> Finish();

 private:
  void Compress(const uint8_t* block);

  std::array<uint32_t, 8> state_;
  std::array<uint8_t, 64> buffer_;
  size_t buffered_ = 0;       // bytes in buffer_
  uint64_t total_bytes_ = 0;  // message length so far
};

// Lower-case hex of sha256(data), 64 characters.
std::string Sha256HexDigest(std::string_view data);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_SHA256_H_
