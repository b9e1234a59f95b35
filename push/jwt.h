// SPDX-License-Identifier: Apache-2.0
// JSON Web Tokens for the providers, signed with OpenSSL 3 EVP: ES256 for APNs token
// auth (raw R||S signature, RFC 7518 §3.4) and RS256 for the FCM OAuth2 assertion.
// Signing is pure given the key and the time, and thread-safe; the token caches below
// take the time from a Clock.
#pragma once

#include <openssl/evp.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include "plugin/clock.h"

namespace vapush::push {

struct PkeyDeleter {
  void operator()(EVP_PKEY* k) const { EVP_PKEY_free(k); }
};
using Pkey = std::unique_ptr<EVP_PKEY, PkeyDeleter>;

std::string base64Url(std::string_view bytes);
// Decodes base64url (no padding needed); empty on error.
std::string base64UrlDecode(std::string_view text);

// Loads a PEM private key (PKCS#8 "BEGIN PRIVATE KEY", e.g. Apple's .p8 or a Google
// service account's private_key). Null with `error` set on failure.
Pkey loadPrivateKey(std::string_view pem, std::string& error);

// header.claims.signature with {"alg":"ES256","kid":key_id} and {"iss":team,"iat":..}.
std::string makeApnsJwt(EVP_PKEY* key, std::string_view key_id, std::string_view team_id,
                        int64_t issued_at_seconds);
// RS256 JWT over arbitrary claims JSON ({"alg":"RS256","typ":"JWT"}). Empty on failure.
std::string makeRs256Jwt(EVP_PKEY* key, std::string_view claims_json);

// The APNs provider token of one key, refreshed by age: reused until 50 min old (Apple
// refuses tokens older than an hour: ExpiredProviderToken). The age is measured on the
// steady clock, so a wall clock step back does not keep an old token in use and a step
// forward does not mint one per push; the `iat` claim is wall time, as Apple wants. A
// forced refresh (APNs answered ExpiredProviderToken or InvalidProviderToken) mints a new
// token unless the current one is under a minute old: the answers of all pushes in flight
// with the old token then share one new token. Apple refuses new tokens more often than
// every 20 min on one connection, so the retry goes on a fresh connection
// (push/app_worker.cpp). Not thread-safe (one per app worker).
class ApnsTokenCache {
 public:
  ApnsTokenCache(EVP_PKEY* key, std::string key_id, std::string team_id)
      : key_(key), key_id_(std::move(key_id)), team_id_(std::move(team_id)) {}
  // The token to use now.
  const std::string& get(const Clock& clock, bool force = false);
  // Wall time (ms) of the current token's `iat`.
  int64_t issuedAtMs() const { return issued_ms_; }
  // Counts the tokens minted: tells whether a token is still the current one.
  uint64_t generation() const { return generation_; }

  static constexpr std::chrono::milliseconds kRefresh{50 * 60 * 1000};
  static constexpr std::chrono::milliseconds kMinForcedAge{60 * 1000};

 private:
  EVP_PKEY* key_;
  std::string key_id_;
  std::string team_id_;
  std::string token_;
  int64_t issued_ms_ = 0;
  std::chrono::steady_clock::time_point issued_steady_{};
  uint64_t generation_ = 0;
};

// An OAuth2 access token (FCM), usable until a minute before the expiry Google gave
// (`expires_in`, seconds), measured on the steady clock: a wall clock step neither keeps
// an expired token nor throws away a good one. Not thread-safe (one per app worker).
class AccessToken {
 public:
  void set(std::string token, int64_t expires_in_seconds, const Clock& clock);
  // Whether there is a token and it is not about to expire.
  bool usable(const Clock& clock) const;
  const std::string& value() const { return token_; }
  void clear() { token_.clear(); }

  static constexpr std::chrono::seconds kMargin{60};

 private:
  std::string token_;
  std::chrono::steady_clock::time_point expires_{};
};

}  // namespace vapush::push
