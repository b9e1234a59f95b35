// SPDX-License-Identifier: Apache-2.0
// DeliveryPolicy: app holds on configuration errors, probes, and the invalid-token
// circuit breaker. Fake clock; no sleeps.
#include "plugin/delivery_policy.h"

#include <gtest/gtest.h>

#include "fakes/fake_clock.h"

namespace vapush {
namespace {

using O = DeliveryResult::Outcome;
using A = DeliveryPolicy::Action;
using std::chrono::milliseconds;
using std::chrono::minutes;
using std::chrono::seconds;

class DeliveryPolicyTest : public ::testing::Test {
 protected:
  DeliveryPolicyTest() : policy_(config(), clock_) {}
  static DeliveryConfig config() {
    DeliveryConfig c;  // defaults: 20 %, 10 min, at least 5 tokens; hold 1 min .. 30 min
    return c;
  }
  DeliveryPolicy::Decision answer(const std::string& token, O outcome,
                                  const std::string& reason = "", const std::string& app = "ios",
                                  int64_t device = 0) {
    DeliveryResult r;
    r.outcome = outcome;
    r.reason = reason;
    r.device = device;
    return policy_.onResult(app, token, r);
  }
  static std::string tok(int i) { return "token-" + std::to_string(i); }

  FakeClock clock_;
  DeliveryPolicy policy_;
};

TEST_F(DeliveryPolicyTest, OrdinaryOutcomesAreRecordedAndDeadTokensDisabled) {
  EXPECT_EQ(answer(tok(1), O::Delivered).action, A::Record);
  EXPECT_EQ(answer(tok(2), O::Transient).action, A::Record);
  EXPECT_EQ(answer(tok(3), O::RateLimited).action, A::Record);
  EXPECT_EQ(answer(tok(4), O::Permanent).action, A::Record);
  EXPECT_EQ(answer(tok(5), O::TokenInvalid, "Unregistered").action, A::Disable);
  EXPECT_TRUE(policy_.admit("ios").send);
  EXPECT_TRUE(policy_.holds().empty());
}

TEST_F(DeliveryPolicyTest, ConfigErrorHoldsTheAppAndDisablesNothing) {
  const auto d = answer(tok(1), O::AppConfig, "DeviceTokenNotForTopic");
  EXPECT_EQ(d.action, A::Hold);
  ASSERT_TRUE(d.started);
  EXPECT_EQ(d.started->cause, AppHold::Cause::ConfigError);
  EXPECT_EQ(d.started->reason, "DeviceTokenNotForTopic");
  EXPECT_EQ(d.until, clock_.nowMs() + 60'000);
  // The other pushes of that burst: held too, no second alert, same hold.
  const auto d2 = answer(tok(2), O::AppConfig, "DeviceTokenNotForTopic");
  EXPECT_EQ(d2.action, A::Hold);
  EXPECT_FALSE(d2.started);
  EXPECT_EQ(d2.until, d.until);
  // Even a dead-token answer is not trusted while the app is held.
  EXPECT_EQ(answer(tok(3), O::TokenInvalid, "BadDeviceToken").action, A::Hold);
  const auto admit = policy_.admit("ios");
  EXPECT_FALSE(admit.send);
  EXPECT_EQ(admit.until, d.until);
  EXPECT_EQ(admit.reason, "DeviceTokenNotForTopic");
  EXPECT_TRUE(policy_.admit("android").send) << "other apps are not affected";
  ASSERT_EQ(policy_.holds().size(), 1u);
  EXPECT_EQ(policy_.holds()[0].app, "ios");
}

TEST_F(DeliveryPolicyTest, HoldEndsWithAFewProbesAndDoublesWhileTheyFail) {
  const TimeMs until = answer(tok(1), O::AppConfig, "TopicDisallowed").until;
  clock_.set(until);
  for (int i = 0; i < DeliveryPolicy::kProbePushes; ++i) EXPECT_TRUE(policy_.admit("ios").send);
  const auto wait = policy_.admit("ios");
  EXPECT_FALSE(wait.send) << "only a few probes until their answers come";
  // The probe fails the same way: hold twice as long.
  const auto d = answer(tok(1), O::AppConfig, "TopicDisallowed");
  EXPECT_EQ(d.until, clock_.nowMs() + 120'000);
  clock_.set(d.until);
  EXPECT_TRUE(policy_.admit("ios").send);
  EXPECT_EQ(answer(tok(1), O::AppConfig, "TopicDisallowed").until, clock_.nowMs() + 240'000);
  // Capped at hold_max.
  for (int i = 0; i < 10; ++i) {
    clock_.advance(minutes(31));
    answer(tok(1), O::AppConfig, "TopicDisallowed");
  }
  EXPECT_EQ(policy_.holds()[0].until, clock_.nowMs() + 30 * 60'000);
}

TEST_F(DeliveryPolicyTest, ProbesAreGrantedAgainWhenTheirAnswersDoNotSettleIt) {
  clock_.set(answer(tok(1), O::AppConfig, "BadTopic").until);
  for (int i = 0; i < DeliveryPolicy::kProbePushes; ++i) policy_.admit("ios");
  EXPECT_FALSE(policy_.admit("ios").send);
  answer(tok(1), O::Transient, "timeout");  // says nothing about the configuration
  clock_.advance(minutes(1));
  EXPECT_TRUE(policy_.admit("ios").send);
}

TEST_F(DeliveryPolicyTest, ADeliveredProbeEndsTheHold) {
  clock_.set(answer(tok(1), O::AppConfig, "BadTopic").until);
  ASSERT_TRUE(policy_.admit("ios").send);
  const auto d = answer(tok(1), O::Delivered);
  EXPECT_TRUE(d.recovered);
  EXPECT_TRUE(policy_.holds().empty());
  EXPECT_TRUE(policy_.admit("ios").send);
  // A new mistake starts again at hold_min.
  EXPECT_EQ(answer(tok(1), O::AppConfig, "BadTopic").until, clock_.nowMs() + 60'000);
}

TEST_F(DeliveryPolicyTest, OneOfTwoTokensInvalidDoesNotTripTheBreaker) {
  answer(tok(1), O::Delivered);
  EXPECT_EQ(answer(tok(2), O::TokenInvalid, "Unregistered").action, A::Disable);
  EXPECT_TRUE(policy_.holds().empty());
}

TEST_F(DeliveryPolicyTest, FewInvalidAmongManyTokensKeepDisabling) {
  for (int i = 0; i < 100; ++i) answer(tok(i), O::Delivered);
  // 15 of 115 distinct tokens (13 %) are dead: genuine uninstalls.
  for (int i = 100; i < 115; ++i) {
    EXPECT_EQ(answer(tok(i), O::TokenInvalid, "Unregistered").action, A::Disable) << i;
  }
  EXPECT_TRUE(policy_.holds().empty());
}

TEST_F(DeliveryPolicyTest, WrongSandboxTripsTheBreakerHoldsAndGivesDevicesBack) {
  for (int i = 0; i < 4; ++i) {
    EXPECT_EQ(answer(tok(i), O::TokenInvalid, "BadDeviceToken", "ios", 100 + i).action, A::Disable);
  }
  // The fifth distinct invalid token: 5 of 5 > 20 % and the minimum is met.
  const auto d = answer(tok(4), O::TokenInvalid, "BadDeviceToken", "ios", 104);
  EXPECT_EQ(d.action, A::Hold);
  ASSERT_TRUE(d.started);
  EXPECT_EQ(d.started->cause, AppHold::Cause::InvalidTokenBreaker);
  EXPECT_EQ(d.started->invalid_tokens, 5);
  EXPECT_EQ(d.started->tokens, 5);
  ASSERT_EQ(d.restore.size(), 4u) << "the devices it disabled within the window";
  EXPECT_EQ(d.restore[0], std::make_pair(int64_t{100}, tok(0)));
  // Further invalid answers are held, not disabled.
  EXPECT_EQ(answer(tok(5), O::TokenInvalid, "BadDeviceToken").action, A::Hold);
  EXPECT_FALSE(policy_.admit("ios").send);
  EXPECT_TRUE(answer(tok(9), O::TokenInvalid, "BadDeviceToken", "android").action == A::Disable)
      << "per app";
}

TEST_F(DeliveryPolicyTest, RepeatedAnswersForOneTokenCountOnce) {
  answer(tok(0), O::Delivered);
  for (int i = 0; i < 10; ++i) {
    EXPECT_EQ(answer(tok(1), O::TokenInvalid, "BadDeviceToken").action, A::Disable);
  }
  EXPECT_TRUE(policy_.holds().empty()) << "one token, however often, is one token";
}

TEST_F(DeliveryPolicyTest, InvalidAnswersOutsideTheWindowDoNotCount) {
  for (int i = 0; i < 4; ++i) answer(tok(i), O::TokenInvalid, "Unregistered");
  clock_.advance(minutes(10) + milliseconds(1));
  EXPECT_EQ(answer(tok(10), O::TokenInvalid, "Unregistered").action, A::Disable)
      << "the first four left the window";
  EXPECT_TRUE(policy_.holds().empty());
}

TEST_F(DeliveryPolicyTest, ATokenThatLaterWorksIsNoLongerInvalid) {
  for (int i = 0; i < 4; ++i) answer(tok(i), O::TokenInvalid, "Unregistered");
  answer(tok(0), O::Delivered);  // e.g. re-registered with the same token
  EXPECT_EQ(answer(tok(4), O::TokenInvalid, "Unregistered").action, A::Disable) << "4 of 5";
}

TEST_F(DeliveryPolicyTest, BreakerClosesOnADeliveryAndStartsAFreshWindow) {
  for (int i = 0; i < 5; ++i) answer(tok(i), O::TokenInvalid, "BadDeviceToken");
  ASSERT_EQ(policy_.holds().size(), 1u);
  clock_.set(policy_.holds()[0].until);
  ASSERT_TRUE(policy_.admit("ios").send);
  EXPECT_TRUE(answer(tok(20), O::Delivered).recovered);
  EXPECT_EQ(answer(tok(21), O::TokenInvalid, "Unregistered").action, A::Disable);
}

TEST_F(DeliveryPolicyTest, ConfiguredShareAndMinimumApply) {
  DeliveryConfig c;
  c.invalid_token_share_percent = 50;
  c.invalid_token_min = 2;
  c.invalid_token_window_ms = 60'000;
  DeliveryPolicy p(c, clock_);
  DeliveryResult ok, dead;
  ok.outcome = O::Delivered;
  dead.outcome = O::TokenInvalid;
  for (int i = 0; i < 2; ++i) p.onResult("ios", tok(i), ok);
  EXPECT_EQ(p.onResult("ios", tok(10), dead).action, A::Disable);  // 1 of 3
  EXPECT_EQ(p.onResult("ios", tok(11), dead).action, A::Disable);  // 2 of 4: not above 50 %
  EXPECT_EQ(p.onResult("ios", tok(12), dead).action, A::Hold);     // 3 of 5
}

}  // namespace
}  // namespace vapush
