// SPDX-License-Identifier: Apache-2.0
// Retry policy for failed deliveries: exponential backoff with full jitter, capped,
// never sooner than the provider's Retry-After, giving up after a number of attempts.
// Pure; the random draw is passed in.
#pragma once

#include <optional>

#include "plugin/delivery.h"

namespace vapush {

struct RetryPolicy {
  int64_t base_ms = 1000;
  int64_t cap_ms = 15 * 60 * 1000;
  int max_attempts = 12;

  // When to try again after `attempts` attempts ended with `result`; `unit` in [0, 1)
  // is the jitter draw. nullopt = give up.
  std::optional<TimeMs> next(int attempts, const DeliveryResult& result, TimeMs now,
                             double unit) const;
};

}  // namespace vapush
