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

}  // namespace vapush::push
