// SPDX-License-Identifier: Apache-2.0
// Tests for plugin/retry: growth, cap, Retry-After floor, giving up.
#include "plugin/retry.h"

#include <gtest/gtest.h>

namespace vapush {
namespace {

TEST(RetryPolicyTest, GrowsCapsHonoursRetryAfterAndGivesUp) {
  RetryPolicy p;
  DeliveryResult r;
  EXPECT_EQ(p.next(1, r, 0, 0.0), 500);
  EXPECT_EQ(p.next(1, r, 0, 0.999), 999);
  EXPECT_EQ(p.next(3, r, 0, 0.0), 2000);
  EXPECT_EQ(p.next(11, r, 0, 0.999), 899'550) << "capped at 15 min";
  r.retry_after_ms = 120'000;
  EXPECT_EQ(p.next(1, r, 1000, 0.5), 121'000) << "never before Retry-After";
  EXPECT_FALSE(p.next(12, r, 0, 0.5));
}

}  // namespace
}  // namespace vapush
