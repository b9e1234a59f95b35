// SPDX-License-Identifier: Apache-2.0
#include "plugin/log_throttle.h"

namespace vapush {

bool LogThrottle::allow(const std::string& key, TimePoint now, uint64_t& suppressed) {
  std::lock_guard<std::mutex> lock(mutex_);
  State& s = states_[key];
  if (s.lines == 0 || now - s.start >= window_) {
    s.start = now;
    s.lines = 0;
  }
  if (s.lines >= per_window_) {
    ++s.held;
    return false;
  }
  ++s.lines;
  suppressed = s.held;
  s.held = 0;
  return true;
}

LogThrottle& peerLogThrottle() {
  static LogThrottle throttle(10, std::chrono::minutes(1));
  return throttle;
}

log::Level throttledLevel(const std::string& event, std::string& suppressed) {
  uint64_t held = 0;
  const bool loud = peerLogThrottle().allow(event, std::chrono::steady_clock::now(), held);
  suppressed = std::to_string(held);
  return loud ? log::Level::Info : log::Level::Debug;
}

}  // namespace vapush
