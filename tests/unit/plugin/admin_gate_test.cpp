// SPDX-License-Identifier: Apache-2.0
// The admin gate: token required and compared by hash, every request rate-limited.
#include "plugin/admin_gate.h"

#include <gtest/gtest.h>

#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_crypto.h"

namespace vapush {
namespace {

using Verdict = AdminGate::Verdict;

class AdminGateTest : public ::testing::Test {
 protected:
  FakeClock clock_;
  FakeCrypto crypto_;
  const std::string token_ = "0123456789abcdef0123456789abcdef";
  std::chrono::seconds retry_{0};
};

TEST_F(AdminGateTest, OnlyTheRightTokenIsAllowed) {
  AdminGate gate(crypto_.sha256Hex(token_), crypto_, clock_);
  EXPECT_EQ(gate.check("", retry_), Verdict::Unauthorized);
  EXPECT_EQ(gate.check("wrong", retry_), Verdict::Unauthorized);
  EXPECT_EQ(gate.check(crypto_.sha256Hex(token_), retry_), Verdict::Unauthorized)
      << "the stored hash is not a token";
  EXPECT_EQ(gate.check(token_, retry_), Verdict::Allowed);
}

TEST_F(AdminGateTest, NoTokenFileMeansNobody) {
  AdminGate gate("", crypto_, clock_);
  EXPECT_EQ(gate.check("", retry_), Verdict::Unauthorized);
  EXPECT_EQ(gate.check(token_, retry_), Verdict::Unauthorized);
}

TEST_F(AdminGateTest, BurstIsLimitedWithRetryAfterThenAllowedAgain) {
  AdminGate gate(crypto_.sha256Hex(token_), crypto_, clock_);
  for (int i = 0; i < AdminGate::kPerMinute; ++i) {
    // Wrong guesses count too, so the token cannot be guessed fast.
    EXPECT_EQ(gate.check(i % 2 ? token_ : "guess", retry_),
              i % 2 ? Verdict::Allowed : Verdict::Unauthorized);
    clock_.advance(std::chrono::seconds(1));
  }
  EXPECT_EQ(gate.check(token_, retry_), Verdict::RateLimited);
  // The first request leaves the one-minute window 60 s after it was made.
  EXPECT_EQ(retry_, std::chrono::seconds(60 - AdminGate::kPerMinute));
  clock_.advance(retry_);
  EXPECT_EQ(gate.check(token_, retry_), Verdict::Allowed);
}

TEST(AdminGateBearer, ParsesTheAuthorizationHeader) {
  EXPECT_EQ(AdminGate::bearer("Bearer abc"), "abc");
  EXPECT_EQ(AdminGate::bearer("bearer  abc "), "abc");
  EXPECT_EQ(AdminGate::bearer("Basic abc"), "");
  EXPECT_EQ(AdminGate::bearer("Bearer"), "");
  EXPECT_EQ(AdminGate::bearer(""), "");
}

}  // namespace
}  // namespace vapush
