// SPDX-License-Identifier: Apache-2.0
// Backoff with full jitter (AWS Architecture Blog, "Exponential Backoff And Jitter").
#include "plugin/retry.h"

#include <algorithm>

namespace vapush {

std::optional<TimeMs> RetryPolicy::next(int attempts, const DeliveryResult& r, TimeMs now,
                                        double unit) const {
  if (attempts >= max_attempts) return std::nullopt;
  const int shift = std::clamp(attempts - 1, 0, 30);
  const int64_t ceiling = std::min(cap_ms, base_ms << shift);
  // Full jitter, but at least half the step so retries never bunch up at zero.
  const auto delay = static_cast<int64_t>(static_cast<double>(ceiling) * (0.5 + unit / 2));
  return now + std::max(delay, r.retry_after_ms);
}

}  // namespace vapush
