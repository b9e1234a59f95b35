// SPDX-License-Identifier: Apache-2.0
// Rate limit for log lines that one user's or one server's action causes (a refused
// publish or command, a privilege announcement), so a busy or misbehaving peer does not
// turn the log into one line per action: at most `per_window` lines per event in each
// window; the lines held back are counted and reported (suppressed=N) with the next line
// let through. Keys are event names (a bounded set). Pure logic; thread-safe.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>

#include "plugin/log.h"

namespace vapush {

class LogThrottle {
 public:
  using TimePoint = std::chrono::steady_clock::time_point;
  LogThrottle(int per_window, std::chrono::milliseconds window)
      : per_window_(per_window), window_(window) {}

  // True when a line for `key` may be written at `now`; `suppressed` is set to the
  // number of lines held back for `key` since the last one let through.
  bool allow(const std::string& key, TimePoint now, uint64_t& suppressed);

 private:
  struct State {
    TimePoint start{};
    int lines = 0;
    uint64_t held = 0;
  };
  const int per_window_;
  const std::chrono::milliseconds window_;
  std::mutex mutex_;
  std::map<std::string, State> states_;  // guarded by mutex_
};

// The process's throttle for info lines caused by peers' actions: 10 per event a minute.
// Lines held back are still written at debug.
LogThrottle& peerLogThrottle();
// Info when `event`'s budget allows it, else Debug; `suppressed` as LogThrottle::allow.
log::Level throttledLevel(const std::string& event, std::string& suppressed);

}  // namespace vapush
