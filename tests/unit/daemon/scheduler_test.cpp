// SPDX-License-Identifier: Apache-2.0
// Tests for the Scheduler: tick -> rows + outbox, dispatch order, retries, dead tokens,
// restart recovery, storage refusing writes. Real planner (scheduler_fixture.h); no sleeps.
#include "scheduler_fixture.h"

namespace vapush {
namespace {

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

}  // namespace
}  // namespace vapush
