// SPDX-License-Identifier: Apache-2.0
// FakeClock: a Clock that only moves when a test calls advance().
#pragma once

#include <atomic>
#include <chrono>

#include "plugin/clock.h"

namespace vapush {

class FakeClock : public Clock {
 public:
  explicit FakeClock(TimeMs start = 1'800'000'000'000) : now_(start) {}
  TimeMs nowMs() const override { return now_.load(); }
  std::chrono::steady_clock::time_point steadyNow() const override {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(now_.load()));
  }
  void advance(std::chrono::milliseconds d) { now_ += d.count(); }
  void set(TimeMs t) { now_ = t; }

 private:
  std::atomic<TimeMs> now_;
};

}  // namespace vapush
