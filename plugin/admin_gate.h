// SPDX-License-Identifier: Apache-2.0
// Who may use the admin HTTP actions (POST /admin/test-push): the holder of the admin
// token (a file only vapushd's user can read, see docs/operations.md), at most
// kPerMinute requests a minute whoever asks. Keeps only the token's SHA-256, compares
// in constant time. Pure logic (clock and crypto injected); thread-safe.
#pragma once

#include <chrono>
#include <mutex>
#include <string>
#include <string_view>

#include "plugin/clock.h"
#include "plugin/command_base.h"
#include "plugin/crypto.h"

namespace vapush {

class AdminGate {
 public:
  static constexpr int kPerMinute = 10;
  enum class Verdict { Allowed, Unauthorized, RateLimited };

  // `token_hash`: sha256Hex of the token; empty = nothing is allowed.
  AdminGate(std::string token_hash, Crypto& crypto, Clock& clock)
      : hash_(std::move(token_hash)), crypto_(crypto), clock_(clock) {}

  // Every request counts against the rate, right token or not (a wrong guess costs as
  // much as a test push); RateLimited sets `retry_after` (whole seconds, at least 1).
  Verdict check(std::string_view presented, std::chrono::seconds& retry_after);

  // The token from an "Authorization: Bearer TOKEN" header value; empty when absent.
  static std::string bearer(std::string_view header);

 private:
  const std::string hash_;
  Crypto& crypto_;
  Clock& clock_;
  std::mutex mutex_;
  RateWindow window_;  // guarded by mutex_
};

}  // namespace vapush
