// SPDX-License-Identifier: Apache-2.0
// Scheduler tests about tokens and apps: a provider's verdict on an old token, removed and
// disabled devices, app holds and the invalid-token breaker. Real planner; no sleeps.
#include "scheduler_fixture.h"

namespace vapush {
namespace {

// Issue 12 item 3: a provider's verdict on the token a push was planned with must not
// disable the device after it re-registered with a new token.
class SchedulerTokenTest : public SchedulerTest {
 protected:
  void reRegister(const std::string& token) {
    SqliteDeviceRepository devices(*db_);
    Device d;
    ASSERT_TRUE(devices.findById(phone_.id, d).ok());
    d.token = token;
    ASSERT_TRUE(devices.update(d).ok());
  }
  Device stored() {
    SqliteDeviceRepository devices(*db_);
    Device d;
    EXPECT_TRUE(devices.findById(phone_.id, d).ok());
    return d;
  }
  std::string lastError() {
    Statement& st = db_->prepare("SELECT last_error FROM sys_cs_message_notification LIMIT 1");
    st.reset();
    std::string out = st.step() ? st.text(0) : "";
    st.reset();
    return out;
  }
  const std::string new_token_ = std::string(64, 'b');
};

TEST_F(SchedulerTokenTest, DeadOldTokenLeavesReRegisteredDeviceEnabledAndResendsToNewToken) {
  message("b@example.com", "one");
  tickAndDispatch();
  ASSERT_EQ(sender_.sent.size(), 1u);
  EXPECT_EQ(sender_.sent[0].token, phone_.token);
  reRegister(new_token_);  // while the push to the old token is in flight
  scheduler_->onResult(result(sender_.sent[0], DeliveryResult::Outcome::TokenInvalid));
  scheduler_->pumpForTest();  // records a stale token: due again at once, and sent
  EXPECT_TRUE(stored().enabled) << "410 for the old token must not disable the new one";
  EXPECT_EQ(states(), std::vector<std::string>{"pending"});
  ASSERT_EQ(sender_.sent.size(), 2u);
  EXPECT_EQ(sender_.sent[1].token, new_token_);
  scheduler_->onResult(result(sender_.sent[1], DeliveryResult::Outcome::Delivered));
  scheduler_->pumpForTest();
  EXPECT_EQ(states(), std::vector<std::string>{"sent"});
}

TEST_F(SchedulerTokenTest, QueuedRetryGoesToTheNewToken) {
  message("b@example.com", "one");
  tickAndDispatch();
  scheduler_->onResult(result(sender_.sent[0], DeliveryResult::Outcome::Transient));
  scheduler_->pumpForTest();
  reRegister(new_token_);
  clock_.advance(std::chrono::seconds(2));
  scheduler_->pumpForTest();
  ASSERT_EQ(sender_.sent.size(), 2u);
  EXPECT_EQ(sender_.sent[1].token, new_token_);
  EXPECT_EQ(sender_.sent[1].id, sender_.sent[0].id);
}

TEST_F(SchedulerTokenTest, DeadCurrentTokenStillDisables) {
  message("b@example.com", "one");
  tickAndDispatch();
  scheduler_->onResult(result(sender_.sent[0], DeliveryResult::Outcome::TokenInvalid));
  scheduler_->pumpForTest();
  EXPECT_FALSE(stored().enabled);
  EXPECT_EQ(states(), std::vector<std::string>{"failed"});
}

// Issue 12 item 6: a removed device's queued pushes are cancelled, not sent.
TEST_F(SchedulerTokenTest, RemovedDeviceGetsNothingQueued) {
  message("b@example.com", "one");
  scheduler_->tickNow();
  SqliteDeviceRepository devices(*db_);
  ASSERT_TRUE(devices.remove(phone_.id, clock_.nowMs()).ok());
  EXPECT_EQ(states(), std::vector<std::string>{"suppressed"});
  EXPECT_EQ(lastError(), "device_removed");
  scheduler_->pumpForTest();
  EXPECT_TRUE(sender_.sent.empty());
}

TEST_F(SchedulerTokenTest, RetryOfAPushInFlightWhenItsDeviceWasRemovedIsDropped) {
  message("b@example.com", "one");
  tickAndDispatch();
  SqliteDeviceRepository devices(*db_);
  ASSERT_TRUE(devices.remove(phone_.id, clock_.nowMs()).ok());
  EXPECT_EQ(states(), std::vector<std::string>{"pending"}) << "in flight: left to its result";
  scheduler_->onResult(result(sender_.sent[0], DeliveryResult::Outcome::Transient));
  scheduler_->pumpForTest();
  clock_.advance(std::chrono::seconds(2));
  scheduler_->pumpForTest();
  EXPECT_EQ(sender_.sent.size(), 1u) << "the retry must not go out";
  EXPECT_EQ(states(), std::vector<std::string>{"suppressed"});
  EXPECT_EQ(lastError(), "device_removed");
}

TEST_F(SchedulerTokenTest, DisabledDeviceGetsNothingQueued) {
  message("b@example.com", "one");
  scheduler_->tickNow();
  SqliteDeviceRepository devices(*db_);
  ASSERT_TRUE(devices.setEnabled(phone_.id, false, clock_.nowMs()).ok());
  scheduler_->pumpForTest();
  EXPECT_TRUE(sender_.sent.empty());
  EXPECT_EQ(states(), std::vector<std::string>{"suppressed"});
  EXPECT_EQ(lastError(), "device_disabled");
}

// Issue 12 item 4: a configuration error holds the app; nothing is disabled.
TEST_F(SchedulerTokenTest, ConfigErrorHoldsTheAppsPushesAndDisablesNothing) {
  message("b@example.com", "one");
  message("c@example.com", "two");
  scheduler_->tickNow();
  scheduler_->pumpForTest();
  ASSERT_EQ(sender_.sent.size(), 2u);
  for (const auto& p : sender_.sent) {
    DeliveryResult r = result(p, DeliveryResult::Outcome::AppConfig);
    r.reason = "DeviceTokenNotForTopic";
    scheduler_->onResult(r);
  }
  scheduler_->pumpForTest();
  EXPECT_TRUE(stored().enabled);
  EXPECT_EQ(states(), (std::vector<std::string>{"pending", "pending"}));
  EXPECT_EQ(lastError(), "held: DeviceTokenNotForTopic");
  const auto holds = scheduler_->holds();
  ASSERT_EQ(holds.size(), 1u);
  EXPECT_EQ(holds[0].app, "ios");
  EXPECT_EQ(holds[0].reason, "DeviceTokenNotForTopic");
  // A new push of the held app waits without being sent.
  clock_.advance(std::chrono::seconds(30));
  message("d@example.com", "three");
  tickAndDispatch();
  EXPECT_EQ(sender_.sent.size(), 2u);
  // After the hold (1 min): probes go out; a delivery ends the hold.
  clock_.advance(std::chrono::seconds(31));
  scheduler_->pumpForTest();
  ASSERT_EQ(sender_.sent.size(), 5u) << "the three held pushes are the probes";
  for (size_t i = 2; i < 5; ++i) {
    scheduler_->onResult(result(sender_.sent[i], DeliveryResult::Outcome::Delivered));
  }
  scheduler_->pumpForTest();
  EXPECT_TRUE(scheduler_->holds().empty());
  EXPECT_EQ(states(), (std::vector<std::string>{"sent", "sent", "sent"}));
}

// Issue 12 item 4: the invalid-token breaker stops disabling and gives back the devices
// it disabled just before it opened.
TEST_F(SchedulerTokenTest, InvalidTokenBreakerHoldsTheAppAndReEnablesDevices) {
  config_.delivery.invalid_token_min = 2;
  make();
  SqliteDeviceRepository devices(*db_);
  Device tablet;
  tablet.user = "z@example.com";
  tablet.app = "ios";
  tablet.token = std::string(64, 'c');
  tablet.node = "n2";
  ASSERT_TRUE(devices.add(tablet).ok());
  message("b@example.com", "one");
  message("c@example.com", "two", &tablet);
  tickAndDispatch();
  ASSERT_EQ(sender_.sent.size(), 2u);
  // A wrong sandbox: both tokens BadDeviceToken. The first disables, the second trips.
  for (const auto& p : sender_.sent) {
    DeliveryResult res = result(p, DeliveryResult::Outcome::TokenInvalid);
    res.reason = "BadDeviceToken";
    scheduler_->onResult(res);
  }
  scheduler_->pumpForTest();
  Device d;
  ASSERT_TRUE(devices.findById(phone_.id, d).ok());
  EXPECT_TRUE(d.enabled) << "re-enabled when the breaker opened";
  ASSERT_TRUE(devices.findById(tablet.id, d).ok());
  EXPECT_TRUE(d.enabled) << "never disabled";
  ASSERT_EQ(scheduler_->holds().size(), 1u);
  EXPECT_EQ(scheduler_->holds()[0].cause, AppHold::Cause::InvalidTokenBreaker);
  // The push that tripped it is held (pending); the first one had failed already.
  EXPECT_EQ(states(), (std::vector<std::string>{"failed", "pending"}));
}

}  // namespace
}  // namespace vapush
