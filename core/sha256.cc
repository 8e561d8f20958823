#include "core/sha256.h"

#include <openssl/err.h>
#include <openssl/evp.h>

#include <cstdio>
#include <cstdlib>

namespace cifarbench {
namespace {

// libcrypto's EVP calls fail only when it cannot allocate or its digest is unavailable (a
// broken installation): nothing a caller could handle, so the process stops and says why.
void Check(int ok, const char* what) {
  if (ok == 1) return;
  char reason[256] = "no OpenSSL error queued";
  if (const unsigned long code = ERR_get_error(); code != 0) {
    ERR_error_string_n(code, reason, sizeof(reason));
  }
  std::fprintf(stderr, "cifarbench: OpenSSL %s failed: %s\n", what, reason);
  std::abort();
}

}  // namespace

void Sha256::FreeContext::operator()(evp_md_ctx_st* ctx) const { EVP_MD_CTX_free(ctx); }

Sha256::Sha256() : ctx_(EVP_MD_CTX_new()) {
  Check(ctx_ != nullptr ? 1 : 0, "EVP_MD_CTX_new");
  Check(EVP_DigestInit_ex(ctx_.get(), EVP_sha256(), nullptr), "EVP_DigestInit_ex(sha256)");
}

Sha256::~Sha256() = default;

void Sha256::Update(std::string_view data) {
  Check(EVP_DigestUpdate(ctx_.get(), data.data(), data.size()), "EVP_DigestUpdate");
}

std::array<uint8_t, 32> Sha256::Finish() {
  std::array<uint8_t, 32> digest{};
  unsigned int size = 0;
  Check(EVP_DigestFinal_ex(ctx_.get(), digest.data(), &size), "EVP_DigestFinal_ex");
  Check(size == digest.size() ? 1 : 0, "EVP_DigestFinal_ex (digest size)");
  return digest;
}

std::string Sha256HexDigest(std::string_view data) {
  Sha256 hasher;
  hasher.Update(data);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string hex;
  hex.reserve(64);
  for (uint8_t b : hasher.Finish()) {
    hex.push_back(kHex[b >> 4]);
    hex.push_back(kHex[b & 0xf]);
  }
  return hex;
}

}  // namespace cifarbench
