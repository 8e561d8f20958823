// SHA-256 through OpenSSL's libcrypto (its EVP digest interface), used to fingerprint recipe
// texts in reports and to check data files (--verify_data). Free of LibTorch.
#ifndef CIFARBENCH_CORE_SHA256_H_
#define CIFARBENCH_CORE_SHA256_H_

#include <array>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

struct evp_md_ctx_st;  // OpenSSL's EVP_MD_CTX (openssl/evp.h stays out of this header)

namespace cifarbench {

// Incremental hasher: Update() any number of times, then Finish() once.
class Sha256 {
 public:
  Sha256();
  ~Sha256();
  Sha256(const Sha256&) = delete;
  Sha256& operator=(const Sha256&) = delete;

  void Update(std::string_view data);
  // The 32-byte digest. The hasher must not be updated afterwards.
  std::array<uint8_t, 32> Finish();

 private:
  struct FreeContext {
    void operator()(evp_md_ctx_st* ctx) const;
  };
  std::unique_ptr<evp_md_ctx_st, FreeContext> ctx_;
};

// Lower-case hex of sha256(data), 64 characters.
std::string Sha256HexDigest(std::string_view data);

}  // namespace cifarbench

#endif  // CIFARBENCH_CORE_SHA256_H_
