// SPDX-License-Identifier: Apache-2.0
// Time source injected into all logic, so tests drive time instead of sleeping.
#pragma once

#include <chrono>

#include "plugin/model.h"

namespace vapush {

// Thread-safe. Implementations: SystemClock (production), FakeClock (tests/fakes).
class Clock {
 public:
  virtual ~Clock() = default;
  // Wall-clock time in ms since the epoch (stored in rows, compared with message times).
  virtual TimeMs nowMs() const = 0;
  // Monotonic time for timeouts and intervals.
  virtual std::chrono::steady_clock::time_point steadyNow() const = 0;
};

class SystemClock : public Clock {
 public:
  TimeMs nowMs() const override {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
  }
  std::chrono::steady_clock::time_point steadyNow() const override {
    return std::chrono::steady_clock::now();
  }
};

}  // namespace vapush
