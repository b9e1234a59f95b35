// SPDX-License-Identifier: Apache-2.0
#include "plugin/admin_gate.h"

namespace vapush {

AdminGate::Verdict AdminGate::check(std::string_view presented, std::chrono::seconds& retry_after) {
  {
    std::lock_guard<std::mutex> lock(mutex_);
    std::chrono::milliseconds wait{0};
    if (!window_.tryAcquire("admin", kPerMinute, clock_.steadyNow(), std::chrono::minutes(1),
                            wait)) {
      retry_after =
          std::max(std::chrono::seconds(1), std::chrono::ceil<std::chrono::seconds>(wait));
      return Verdict::RateLimited;
    }
  }
  if (hash_.empty() || presented.empty()) return Verdict::Unauthorized;
  // Hashes have the same length whatever was presented: nothing leaks but the result.
  return crypto_.equals(crypto_.sha256Hex(presented), hash_) ? Verdict::Allowed
                                                             : Verdict::Unauthorized;
}

std::string AdminGate::bearer(std::string_view header) {
  constexpr std::string_view kScheme = "Bearer ";
  if (header.size() <= kScheme.size()) return {};
  for (size_t i = 0; i < kScheme.size(); ++i) {
    const char c = header[i];
    const char want = kScheme[i];
    if ((c | 0x20) != (want | 0x20)) return {};  // scheme is case-insensitive
  }
  std::string_view token = header.substr(kScheme.size());
  while (!token.empty() && (token.front() == ' ' || token.front() == '\t')) token.remove_prefix(1);
  while (!token.empty() && (token.back() == ' ' || token.back() == '\t')) token.remove_suffix(1);
  return std::string(token);
}

}  // namespace vapush
