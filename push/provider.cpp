// SPDX-License-Identifier: Apache-2.0
// Helpers shared by the providers.
#include "push/provider.h"

#include <openssl/sha.h>

#include <cctype>

#include "push/localizer_icu.h"

namespace vapush::push {

int64_t parseRetryAfterMs(const std::string& v) {
  if (v.empty()) return 0;
  if (std::all_of(v.begin(), v.end(), [](unsigned char c) { return std::isdigit(c); })) {
    return v.size() > 7 ? 86'400'000 : std::stoll(v) * 1000;
  }
  return 60'000;  // an HTTP-date: be conservative rather than parse calendars
}

AlertOptions alertOptions(const AppConfig& app) {
  return AlertOptions{app.localize_on_device, app.mutable_content};
}

std::string truncateUtf8(const std::string& s, size_t max_bytes) {
  // On a grapheme boundary: a right-to-left text keeps its letters' marks (harakat,
  // niqqud), an emoji sequence stays whole.
  return truncateGraphemes(s, max_bytes);
}

std::string p2Account(const std::string& user, const std::string& device_id) {
  std::string input = user;
  input.push_back('\0');
  input += device_id;
  unsigned char digest[SHA_DIGEST_LENGTH];
  SHA1(reinterpret_cast<const unsigned char*>(input.data()), input.size(), digest);
  static constexpr char kHex[] = "0123456789abcdef";
  std::string out;
  for (unsigned char b : digest) {
    out += kHex[b >> 4];
    out += kHex[b & 15];
  }
  return out;
}

}  // namespace vapush::push
