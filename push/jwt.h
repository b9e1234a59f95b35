// SPDX-License-Identifier: Apache-2.0
// JSON Web Tokens for the providers, signed with OpenSSL 3 EVP: ES256 for APNs token
// auth (raw R||S signature, RFC 7518 §3.4) and RS256 for the FCM OAuth2 assertion.
// Pure given the key and the time; thread-safe.
#pragma once

#include <openssl/evp.h>

#include <memory>
#include <string>
#include <string_view>

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

// The APNs provider token of one key, refreshed on the clock: reused until 50 min old
// (or at once if the wall clock went back). A forced refresh (APNs answered
// ExpiredProviderToken or InvalidProviderToken) mints a new token unless the current
// one is under a minute old: the answers of all pushes in flight with the old token
// then share one new token. Apple refuses new tokens more often than every 20 min on
// one connection, so the retry goes on a fresh connection (push/app_worker.cpp).
// Not thread-safe (one per app worker).
class ApnsTokenCache {
 public:
  ApnsTokenCache(EVP_PKEY* key, std::string key_id, std::string team_id)
      : key_(key), key_id_(std::move(key_id)), team_id_(std::move(team_id)) {}
  // The token to use at `now_ms`.
  const std::string& get(int64_t now_ms, bool force = false);
  int64_t issuedAtMs() const { return issued_ms_; }

  static constexpr int64_t kRefreshMs = 50 * 60 * 1000;
  static constexpr int64_t kMinForcedAgeMs = 60 * 1000;

 private:
  EVP_PKEY* key_;
  std::string key_id_;
  std::string team_id_;
  std::string token_;
  int64_t issued_ms_ = 0;
};

}  // namespace vapush::push
