// SPDX-License-Identifier: Apache-2.0
// Crypto port implemented with OpenSSL 3 (EVP digests, HMAC, RAND_bytes). Thread-safe.
#pragma once

#include "plugin/crypto.h"

namespace vapush {

class OpenSslCrypto : public Crypto {
 public:
  std::string sha256Hex(std::string_view data) override;
  std::string randomHex(size_t bytes) override;
  std::string hmacSha256Hex(std::string_view key, std::string_view data) override;
  bool equals(std::string_view a, std::string_view b) override;
};

}  // namespace vapush
