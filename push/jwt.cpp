// SPDX-License-Identifier: Apache-2.0
// JWT signing (ES256 raw signatures, RS256) with OpenSSL 3.
#include "push/jwt.h"

#include <openssl/bio.h>
#include <openssl/ecdsa.h>
#include <openssl/pem.h>

#include <algorithm>
#include <vector>

namespace vapush::push {
namespace {

constexpr char kAlphabet[] = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

std::vector<unsigned char> digestSign(EVP_PKEY* key, std::string_view data) {
  std::vector<unsigned char> sig;
  EVP_MD_CTX* ctx = EVP_MD_CTX_new();
  size_t len = 0;
  if (ctx != nullptr && EVP_DigestSignInit(ctx, nullptr, EVP_sha256(), nullptr, key) == 1 &&
      EVP_DigestSign(ctx, nullptr, &len, reinterpret_cast<const unsigned char*>(data.data()),
                     data.size()) == 1) {
    sig.resize(len);
    if (EVP_DigestSign(ctx, sig.data(), &len, reinterpret_cast<const unsigned char*>(data.data()),
                       data.size()) == 1) {
      sig.resize(len);
    } else {
      sig.clear();
    }
  }
  EVP_MD_CTX_free(ctx);
  return sig;
}

}  // namespace

std::string base64Url(std::string_view in) {
  std::string out;
  out.reserve((in.size() + 2) / 3 * 4);
  size_t i = 0;
  for (; i + 2 < in.size(); i += 3) {
    const uint32_t v = (static_cast<unsigned char>(in[i]) << 16) |
                       (static_cast<unsigned char>(in[i + 1]) << 8) |
                       static_cast<unsigned char>(in[i + 2]);
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    out += kAlphabet[(v >> 6) & 63];
    out += kAlphabet[v & 63];
  }
  if (i < in.size()) {
    uint32_t v = static_cast<unsigned char>(in[i]) << 16;
    if (i + 1 < in.size()) v |= static_cast<unsigned char>(in[i + 1]) << 8;
    out += kAlphabet[(v >> 18) & 63];
    out += kAlphabet[(v >> 12) & 63];
    if (i + 1 < in.size()) out += kAlphabet[(v >> 6) & 63];
  }
  return out;
}

std::string base64UrlDecode(std::string_view in) {
  std::string out;
  uint32_t acc = 0;
  int bits = 0;
  for (char c : in) {
    if (c == '=') break;
    const char* p = std::char_traits<char>::find(kAlphabet, 64, c);
    if (p == nullptr) return {};
    acc = (acc << 6) | static_cast<uint32_t>(p - kAlphabet);
    bits += 6;
    if (bits >= 8) {
      bits -= 8;
      out += static_cast<char>((acc >> bits) & 0xff);
    }
  }
  return out;
}

Pkey loadPrivateKey(std::string_view pem, std::string& error) {
  BIO* bio = BIO_new_mem_buf(pem.data(), static_cast<int>(pem.size()));
  EVP_PKEY* key = bio ? PEM_read_bio_PrivateKey(bio, nullptr, nullptr, nullptr) : nullptr;
  BIO_free(bio);
  if (key == nullptr) error = "not a PEM private key (expected -----BEGIN PRIVATE KEY-----)";
  return Pkey(key);
}

std::string makeApnsJwt(EVP_PKEY* key, std::string_view key_id, std::string_view team_id,
                        int64_t iat) {
  const std::string header = R"({"alg":"ES256","kid":")" + std::string(key_id) + "\"}";
  const std::string claims =
      R"({"iss":")" + std::string(team_id) + R"(","iat":)" + std::to_string(iat) + "}";
  const std::string input = base64Url(header) + "." + base64Url(claims);
  const std::vector<unsigned char> der = digestSign(key, input);
  if (der.empty()) return {};
  // OpenSSL produces a DER ECDSA-Sig-Value; JWS wants the raw 32-byte R and S.
  const unsigned char* p = der.data();
  ECDSA_SIG* sig = d2i_ECDSA_SIG(nullptr, &p, static_cast<long>(der.size()));
  if (sig == nullptr) return {};
  unsigned char raw[64];
  const bool ok = BN_bn2binpad(ECDSA_SIG_get0_r(sig), raw, 32) == 32 &&
                  BN_bn2binpad(ECDSA_SIG_get0_s(sig), raw + 32, 32) == 32;
  ECDSA_SIG_free(sig);
  if (!ok) return {};
  return input + "." + base64Url(std::string_view(reinterpret_cast<char*>(raw), 64));
}

std::string makeRs256Jwt(EVP_PKEY* key, std::string_view claims_json) {
  const std::string input =
      base64Url(R"({"alg":"RS256","typ":"JWT"})") + "." + base64Url(claims_json);
  const std::vector<unsigned char> sig = digestSign(key, input);
  if (sig.empty()) return {};
  return input + "." +
         base64Url(std::string_view(reinterpret_cast<const char*>(sig.data()), sig.size()));
}

const std::string& ApnsTokenCache::get(const Clock& clock, bool force) {
  const auto now = clock.steadyNow();
  const auto age = now - issued_steady_;
  if (token_.empty() || age >= kRefresh || (force && age >= kMinForcedAge)) {
    const int64_t wall_ms = clock.nowMs();
    token_ = makeApnsJwt(key_, key_id_, team_id_, wall_ms / 1000);
    issued_ms_ = wall_ms;
    issued_steady_ = now;
    ++generation_;
  }
  return token_;
}

void AccessToken::set(std::string token, int64_t expires_in_seconds, const Clock& clock) {
  token_ = std::move(token);
  // Refresh a minute before Google's expiry; a token that short-lived still serves the
  // pushes that waited for it (for a second), so a fetch is not followed by another.
  const auto lifetime =
      std::max(std::chrono::seconds(expires_in_seconds) - kMargin, std::chrono::seconds(1));
  expires_ = clock.steadyNow() + lifetime;
}

bool AccessToken::usable(const Clock& clock) const {
  return !token_.empty() && clock.steadyNow() < expires_;
}

}  // namespace vapush::push
