// SPDX-License-Identifier: Apache-2.0
// LogThrottle on a fake clock: a burst is cut to the limit, what was held back is
// reported with the next line, each event has its own budget.
#include "plugin/log_throttle.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"

namespace vapush {
namespace {

TEST(LogThrottle, BurstIsCutAndTheHeldBackLinesAreCountedOnTheNext) {
  FakeClock clock;
  LogThrottle throttle(3, std::chrono::minutes(1));
  uint64_t suppressed = 99;
  int written = 0;
  for (int i = 0; i < 1000; ++i) {
    if (throttle.allow("publish.refused", clock.steadyNow(), suppressed)) {
      ++written;
      EXPECT_EQ(suppressed, 0u);
    }
    clock.advance(std::chrono::milliseconds(10));  // 1000 events in 10 s
  }
  EXPECT_EQ(written, 3);
  // Another event has its own budget.
  EXPECT_TRUE(throttle.allow("command.refused", clock.steadyNow(), suppressed));
  // The window ends 60 s after its first line: the next line says what was held back.
  clock.advance(std::chrono::seconds(50));
  ASSERT_TRUE(throttle.allow("publish.refused", clock.steadyNow(), suppressed));
  EXPECT_EQ(suppressed, 997u);
  ASSERT_TRUE(throttle.allow("publish.refused", clock.steadyNow(), suppressed));
  EXPECT_EQ(suppressed, 0u);
}

TEST(LogThrottle, QuietTrafficIsNeverHeldBack) {
  FakeClock clock;
  LogThrottle throttle(2, std::chrono::minutes(1));
  uint64_t suppressed = 0;
  for (int i = 0; i < 100; ++i) {
    EXPECT_TRUE(throttle.allow("xmpp.privileges", clock.steadyNow(), suppressed)) << i;
    clock.advance(std::chrono::seconds(30));
  }
}

}  // namespace
}  // namespace vapush
