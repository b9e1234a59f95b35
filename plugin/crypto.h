// SPDX-License-Identifier: Apache-2.0
// Crypto port: hashing, HMAC and randomness for plugin/ logic, which stays std-only.
// Production: OpenSslCrypto (storage/openssl_crypto.h). Tests: FakeCrypto (tests/fakes).
// Implementations are thread-safe.
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

#include "plugin/secret.h"

namespace vapush {

class Crypto {
 public:
  virtual ~Crypto() = default;
  // Lower-case hex SHA-256 of `data`.
  virtual std::string sha256Hex(std::string_view data) = 0;
  // `bytes` random bytes from a CSPRNG, as 2*bytes lower-case hex digits.
  virtual std::string randomHex(size_t bytes) = 0;
  // Lower-case hex HMAC-SHA256(key, data).
  virtual std::string hmacSha256Hex(std::string_view key, std::string_view data) = 0;
  // True when `a` and `b` hold the same bytes, in time that depends only on the length
  // (secrets and their hashes). OpenSslCrypto uses CRYPTO_memcmp.
  virtual bool equals(std::string_view a, std::string_view b) { return constantTimeEquals(a, b); }
};

}  // namespace vapush
