// SPDX-License-Identifier: Apache-2.0
// FakeClock: a Clock that only moves when a test moves it.
//
// It keeps the two clocks of Clock apart, as a real machine does: advance() and set() are
// time passing (wall and steady move together), stepWall() is the wall clock being set
// (NTP step, an admin's `date`) while the steady clock does not move. Thread-safe.
#pragma once

#include <atomic>
#include <chrono>

#include "plugin/clock.h"

namespace vapush {

class FakeClock : public Clock {
 public:
  // Both clocks start at `start` ms (the steady clock's epoch is arbitrary anyway).
  explicit FakeClock(TimeMs start = 1'800'000'000'000) : wall_(start), steady_(start) {}

  // Clock
  TimeMs nowMs() const override { return wall_.load(); }
  std::chrono::steady_clock::time_point steadyNow() const override {
    return std::chrono::steady_clock::time_point(std::chrono::milliseconds(steady_.load()));
  }

  // Time passes: both clocks move by `d`. Time does not run backwards: a negative `d` is
  // a wall step back, as in set().
  void advance(std::chrono::milliseconds d) {
    wall_ += d.count();
    if (d.count() > 0) steady_ += d.count();
  }
  // Time passes until the wall clock shows `t`; a `t` in the past is a wall step back
  // (the steady clock stays).
  void set(TimeMs t) { advance(std::chrono::milliseconds(t - wall_.load())); }
  // The wall clock is set `d` ahead (or back, when negative); no time passes.
  void stepWall(std::chrono::milliseconds d) { wall_ += d.count(); }

 private:
  std::atomic<TimeMs> wall_;
  std::atomic<TimeMs> steady_;
};

}  // namespace vapush
