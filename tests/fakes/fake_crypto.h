// SPDX-License-Identifier: Apache-2.0
// FakeCrypto: a deterministic, NOT cryptographic Crypto for tests.
//
// sha256Hex/hmacSha256Hex return 64 lower-case hex digits from a simple mixing hash
// (distinct inputs give distinct outputs in practice, same input same output), and
// randomHex counts upwards (or returns scripted values first), so tests can predict
// nodes, secrets and session ids. Not thread-safe.
#pragma once

#include <cstdint>
#include <deque>
#include <string>
#include <string_view>

#include "plugin/crypto.h"

namespace vapush {

class FakeCrypto : public Crypto {
 public:
  // Crypto
  std::string sha256Hex(std::string_view data) override { return mix("sha256", data); }
  std::string randomHex(size_t bytes) override {
    std::string out;
    if (!scripted_.empty()) {
      out = scripted_.front();
      scripted_.pop_front();
    } else {
      out = std::to_string(++counter_);
    }
    // Left-pad (or cut) to exactly 2*bytes hex digits; decimal digits are hex digits.
    const size_t want = bytes * 2;
    if (out.size() < want) out.insert(0, want - out.size(), '0');
    if (out.size() > want) out.erase(0, out.size() - want);
    return out;
  }
  std::string hmacSha256Hex(std::string_view key, std::string_view data) override {
    std::string joined(key);
    joined.push_back('\0');
    joined.append(data);
    return mix("hmac", joined);
  }

  // The next randomHex() calls return these (padded/cut to the requested size) in order.
  void scriptRandom(std::string value) { scripted_.push_back(std::move(value)); }
  int randomCalls() const { return counter_; }

 private:
  static std::string mix(std::string_view domain, std::string_view data) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out;
    for (uint64_t lane = 0; lane < 4; ++lane) {
      uint64_t h = 1469598103934665603ULL ^ (lane * 0x9e3779b97f4a7c15ULL);
      for (char c : domain) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
      for (char c : data) h = (h ^ static_cast<unsigned char>(c)) * 1099511628211ULL;
      h ^= h >> 29;
      for (int i = 15; i >= 0; --i) out.push_back(kDigits[(h >> (i * 4)) & 0xf]);
    }
    return out;
  }

  std::deque<std::string> scripted_;
  int counter_ = 0;
};

}  // namespace vapush
