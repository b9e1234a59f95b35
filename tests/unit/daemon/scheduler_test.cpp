// SPDX-License-Identifier: Apache-2.0
// Tests for the Scheduler: tick -> rows + outbox, dispatch order, retries, dead tokens,
// restart recovery. Fake clock, fake sender, real SQLite in a temp dir; no sleeps.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "fakes/fake_clock.h"
#include "plugin/daemon_scheduler.h"
#include "storage/intake_store.h"
#include "storage/sqlite_repositories.h"

namespace vapush {
namespace {

namespace fs = std::filesystem;

class RecordingSender : public PushSender {
 public:
  void submit(std::vector<PushRequest> pushes) override {
    for (auto& p : pushes) sent.push_back(std::move(p));
  }
  std::vector<PushRequest> sent;
};

// Test planner: one row per message, one push per (user, conversation).
BatchOutcome simplePlan(const TickSnapshot& snap, TimeMs, int64_t batch) {
  BatchOutcome o;
  std::map<std::string, size_t> index;
  for (const auto& m : snap.messages) {
    const auto& dev = snap.devices.at(m.user).front();
    auto [it, fresh] = index.emplace(m.conversation, o.pushes.size());
    if (fresh) {
      PushRequest p;
      p.id = std::to_string(batch) + "-" + m.conversation;
      p.id.resize(32, '0');
      p.device = dev.id;
      p.user = m.user;
      p.app = dev.app;
      p.token = dev.token;
      p.conversation = m.conversation;
      p.title = m.conversation;
      p.batch = batch;
      p.oldest_message_time = m.message_time;
      o.pushes.push_back(p);
    }
    PushRequest& p = o.pushes[it->second];
    p.body = m.body;
    p.unread++;
    NotificationRow r;
    r.sys_id = std::to_string(m.id) + "r";
    r.sys_id.resize(32, '0');
    r.user = m.user;
    r.device = dev.id;
    r.conversation = m.conversation;
    r.body = m.body;
    r.batch = batch;
    r.message_id = m.id;
    r.push_id = p.id;
    o.rows.push_back(r);
    o.consumed.push_back(m.id);
  }
  return o;
}

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("vapush-sched-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    std::string error;
    db_ = Database::open((dir_ / "v.db").string(), error);
    ASSERT_TRUE(db_) << error;
    config_.batching.interval_ms = 60'000;
    SqliteDeviceRepository devices(*db_);
    phone_.user = "a@example.com";
    phone_.app = "ios";
    phone_.token = std::string(64, 'a');
    phone_.node = "n1";
    ASSERT_TRUE(devices.add(phone_).ok());
    make();
  }
  void TearDown() override {
    scheduler_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }
  void make() {
    scheduler_ = std::make_unique<Scheduler>(
        config_, *db_, clock_, simplePlan, &sender_,
        [this](int attempts, const DeliveryResult& r, TimeMs now) -> std::optional<TimeMs> {
          if (attempts >= 3) return std::nullopt;
          return now + std::max<TimeMs>(1000, r.retry_after_ms);
        });
  }
  void message(const std::string& peer, const std::string& body) {
    PublishRecord r;
    r.device = phone_;
    r.device.last_publish = clock_.nowMs();
    r.has_message = true;
    r.message.conversation = peer;
    r.message.sender = peer;
    r.message.body = body;
    r.message.message_time = r.message.received = clock_.nowMs();
    std::vector<PublishRecord> v{r};
    IntakeStore intake(*db_);
    ASSERT_TRUE(intake.store(v).ok());
  }
  // One tick, then one round of dispatch: the pushes it planned reach the sender.
  void tickAndDispatch() {
    scheduler_->tickNow();
    scheduler_->pumpForTest();
  }
  std::vector<std::string> states() {
    std::vector<std::string> out;
    Statement& st =
        db_->prepare("SELECT state FROM sys_cs_message_notification ORDER BY message_time, sys_id");
    st.reset();
    while (st.step()) out.push_back(st.text(0));
    return out;
  }
  DeliveryResult result(const PushRequest& p, DeliveryResult::Outcome o, int64_t after = 0) {
    DeliveryResult r;
    r.push_id = p.id;
    r.device = p.device;
    r.outcome = o;
    r.provider_id = o == DeliveryResult::Outcome::Delivered ? "apns-" + p.id.substr(0, 4) : "";
    r.reason = o == DeliveryResult::Outcome::Delivered ? "" : "reason";
    r.retry_after_ms = after;
    return r;
  }

  fs::path dir_;
  std::unique_ptr<Database> db_;
  Config config_;
  FakeClock clock_;
  RecordingSender sender_;
  std::unique_ptr<Scheduler> scheduler_;
  Device phone_;
};

TEST_F(SchedulerTest, ThreeMessagesTwoConversationsOneTickTwoPushes) {
  message("b@example.com", "one");
  message("b@example.com", "two");
  message("va@example.com", "hello");
  clock_.advance(std::chrono::seconds(60));
  EXPECT_EQ(scheduler_->tickNow(), 1);
  EXPECT_EQ(states(), (std::vector<std::string>{"pending", "pending", "pending"}));
  scheduler_->pumpForTest();
  ASSERT_EQ(sender_.sent.size(), 2u);
  for (const auto& p : sender_.sent) {
    scheduler_->onResult(result(p, DeliveryResult::Outcome::Delivered));
  }
  scheduler_->pumpForTest();
  EXPECT_EQ(states(), (std::vector<std::string>{"sent", "sent", "sent"}));
  EXPECT_EQ(scheduler_->tickNow(), 0) << "nothing new: no empty batches";
}

TEST_F(SchedulerTest, TransientFailureRetriesThenSucceedsOnce) {
  message("b@example.com", "one");
  tickAndDispatch();
  ASSERT_EQ(sender_.sent.size(), 1u);
  const PushRequest p = sender_.sent[0];
  scheduler_->onResult(result(p, DeliveryResult::Outcome::RateLimited, 30'000));
  scheduler_->pumpForTest();
  EXPECT_EQ(states(), std::vector<std::string>{"pending"});
  EXPECT_EQ(sender_.sent.size(), 1u) << "not before Retry-After";
  clock_.advance(std::chrono::seconds(29));
  scheduler_->pumpForTest();
  EXPECT_EQ(sender_.sent.size(), 1u);
  clock_.advance(std::chrono::seconds(2));
  scheduler_->pumpForTest();
  ASSERT_EQ(sender_.sent.size(), 2u);
  EXPECT_EQ(sender_.sent[1].id, p.id) << "same push id: the provider sees the same apns-id";
  scheduler_->onResult(result(sender_.sent[1], DeliveryResult::Outcome::Delivered));
  scheduler_->pumpForTest();
  EXPECT_EQ(states(), std::vector<std::string>{"sent"});
}

TEST_F(SchedulerTest, GivesUpAfterPolicySaysSo) {
  message("b@example.com", "one");
  scheduler_->tickNow();
  for (int i = 0; i < 3; ++i) {
    scheduler_->pumpForTest();
    ASSERT_EQ(sender_.sent.size(), static_cast<size_t>(i + 1));
    scheduler_->onResult(result(sender_.sent.back(), DeliveryResult::Outcome::Transient));
    scheduler_->pumpForTest();
    clock_.advance(std::chrono::seconds(2));
  }
  scheduler_->pumpForTest();
  EXPECT_EQ(sender_.sent.size(), 3u);
  EXPECT_EQ(states(), std::vector<std::string>{"failed"});
}

TEST_F(SchedulerTest, DeadTokenDisablesDevice) {
  message("b@example.com", "one");
  tickAndDispatch();
  scheduler_->onResult(result(sender_.sent[0], DeliveryResult::Outcome::TokenInvalid));
  scheduler_->pumpForTest();
  EXPECT_EQ(states(), std::vector<std::string>{"failed"});
  SqliteDeviceRepository devices(*db_);
  Device d;
  ASSERT_TRUE(devices.findById(phone_.id, d).ok());
  EXPECT_FALSE(d.enabled);
}

TEST_F(SchedulerTest, NextBatchOfAConversationWaitsForThePrevious) {
  message("b@example.com", "one");
  tickAndDispatch();
  ASSERT_EQ(sender_.sent.size(), 1u);
  clock_.advance(std::chrono::seconds(60));
  message("b@example.com", "two");
  tickAndDispatch();
  EXPECT_EQ(sender_.sent.size(), 1u) << "batch 2 must not overtake batch 1 in flight";
  scheduler_->onResult(result(sender_.sent[0], DeliveryResult::Outcome::Delivered));
  scheduler_->pumpForTest();  // records batch 1 ...
  scheduler_->pumpForTest();  // ... then batch 2 is due
  ASSERT_EQ(sender_.sent.size(), 2u);
  EXPECT_EQ(sender_.sent[1].batch, 2);
}

TEST_F(SchedulerTest, RestartResendsWhatWasInFlight) {
  message("b@example.com", "one");
  tickAndDispatch();
  ASSERT_EQ(sender_.sent.size(), 1u);
  const std::string id = sender_.sent[0].id;
  make();  // the process died with the push in flight; a new scheduler starts
  scheduler_->pumpForTest();
  ASSERT_EQ(sender_.sent.size(), 2u);
  EXPECT_EQ(sender_.sent[1].id, id) << "at most one duplicate, with the same id";
  scheduler_->onResult(result(sender_.sent[1], DeliveryResult::Outcome::Delivered));
  scheduler_->pumpForTest();
  EXPECT_EQ(states(), std::vector<std::string>{"sent"});
}

TEST_F(SchedulerTest, PushesInFlightAreMarkedAndNotReadAgain) {
  message("b@example.com", "one");
  message("c@example.com", "two");
  tickAndDispatch();
  ASSERT_EQ(sender_.sent.size(), 2u);
  auto count = [this](const char* sql) {
    Statement& st = db_->prepare(sql);
    st.reset();
    return st.step() ? st.int64(0) : -1;
  };
  EXPECT_EQ(count("SELECT count(*) FROM push WHERE in_flight=1"), 2);
  scheduler_->pumpForTest();
  EXPECT_EQ(sender_.sent.size(), 2u);
  scheduler_->onResult(result(sender_.sent[0], DeliveryResult::Outcome::Delivered));
  scheduler_->onResult(result(sender_.sent[1], DeliveryResult::Outcome::Transient));
  scheduler_->pumpForTest();
  EXPECT_EQ(count("SELECT count(*) FROM push WHERE in_flight=1"), 0);
  EXPECT_EQ(sender_.sent.size(), 2u) << "the retry waits for its time";
  clock_.advance(std::chrono::seconds(1));
  scheduler_->pumpForTest();
  ASSERT_EQ(sender_.sent.size(), 3u);
  EXPECT_EQ(sender_.sent[2].id, sender_.sent[1].id);
}

TEST_F(SchedulerTest, OutcomeTheDatabaseRefusesIsKeptAndRecordedLater) {
  message("b@example.com", "one");
  tickAndDispatch();
  ASSERT_EQ(sender_.sent.size(), 1u);
  ASSERT_TRUE(db_->exec("PRAGMA query_only=1").ok());  // as a read-only or full disk
  scheduler_->onResult(result(sender_.sent[0], DeliveryResult::Outcome::Delivered));
  scheduler_->pumpForTest();
  scheduler_->pumpForTest();
  EXPECT_EQ(sender_.sent.size(), 1u) << "delivered once: not sent again while unrecorded";
  EXPECT_EQ(states(), std::vector<std::string>{"pending"});
  ASSERT_TRUE(db_->exec("PRAGMA query_only=0").ok());
  scheduler_->pumpForTest();
  EXPECT_EQ(states(), std::vector<std::string>{"pending"}) << "backs off before retrying";
  clock_.advance(std::chrono::seconds(1));
  scheduler_->pumpForTest();
  EXPECT_EQ(states(), std::vector<std::string>{"sent"});
  EXPECT_EQ(sender_.sent.size(), 1u);
}

TEST_F(SchedulerTest, StartThatCannotVoidOldMarksRetriesBeforeDispatching) {
  message("b@example.com", "one");
  tickAndDispatch();
  ASSERT_EQ(sender_.sent.size(), 1u);
  const std::string id = sender_.sent[0].id;
  ASSERT_TRUE(db_->exec("PRAGMA query_only=1").ok());
  make();  // restarted while the database refuses writes: the old mark stays
  scheduler_->pumpForTest();
  EXPECT_EQ(sender_.sent.size(), 1u);
  ASSERT_TRUE(db_->exec("PRAGMA query_only=0").ok());
  clock_.advance(std::chrono::seconds(1));
  scheduler_->pumpForTest();
  ASSERT_EQ(sender_.sent.size(), 2u) << "the stale mark is voided once writes work again";
  EXPECT_EQ(sender_.sent[1].id, id);
}

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
  PublishRecord r;
  r.device = tablet;
  r.has_message = true;
  r.message.conversation = r.message.sender = "c@example.com";
  r.message.body = "two";
  r.message.message_time = r.message.received = clock_.nowMs();
  std::vector<PublishRecord> v{r};
  ASSERT_TRUE(IntakeStore(*db_).store(v).ok());
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
