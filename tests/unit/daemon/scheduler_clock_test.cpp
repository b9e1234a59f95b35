// SPDX-License-Identifier: Apache-2.0
// Issue 13: the scheduler's intervals and deadlines run on the steady clock, so a wall
// clock step (NTP, an admin's `date`) neither stalls nor bursts ticks and storage backoff.
// The loop is driven one round at a time (runOnceForTest) with the fake clock; no sleeps.
#include "scheduler_fixture.h"

namespace vapush {
namespace {

using std::chrono::hours;
using std::chrono::seconds;

class SchedulerClockTest : public SchedulerTest {
 protected:
  void SetUp() override {
    SchedulerTest::SetUp();
    Scheduler::Hooks hooks;
    hooks.on_tick = [this](int64_t, size_t, size_t, int64_t) { ++ticks_; };
    make(std::move(hooks));
  }
  // A new message (so that a tick has something to do and is counted), then one round.
  void messageAndRun() {
    message("b@example.com", "m" + std::to_string(++messages_));
    scheduler_->runOnceForTest();
  }
  int ticks_ = 0;
  int messages_ = 0;
};

TEST_F(SchedulerClockTest, FirstTickOneIntervalAfterStart) {
  messageAndRun();
  EXPECT_EQ(ticks_, 0);
  clock_.advance(seconds(59));
  messageAndRun();
  EXPECT_EQ(ticks_, 0);
  clock_.advance(seconds(1));
  messageAndRun();
  EXPECT_EQ(ticks_, 1);
}

TEST_F(SchedulerClockTest, WallClockStepBackAnHourStillTicksOneIntervalLater) {
  clock_.advance(seconds(60));
  messageAndRun();
  ASSERT_EQ(ticks_, 1);
  clock_.stepWall(-hours(1));
  clock_.advance(seconds(59));
  messageAndRun();
  EXPECT_EQ(ticks_, 1) << "not before the interval";
  clock_.advance(seconds(1));
  messageAndRun();
  EXPECT_EQ(ticks_, 2) << "one interval (steady) after the last tick, not an hour later";
  EXPECT_EQ(states(), (std::vector<std::string>{"pending", "pending", "pending"}))
      << "the messages that arrived after the step were planned too";
}

TEST_F(SchedulerClockTest, WallClockStepForwardADayDoesNotBurst) {
  clock_.advance(seconds(60));
  messageAndRun();
  ASSERT_EQ(ticks_, 1);
  clock_.advance(seconds(10));
  clock_.stepWall(hours(24));
  messageAndRun();
  EXPECT_EQ(ticks_, 1) << "a wall step is no time passing: no tick at the step";
  for (int i = 0; i < 10; ++i) {  // the next 50 s
    clock_.advance(seconds(5));
    messageAndRun();
  }
  EXPECT_EQ(ticks_, 2) << "one tick, one interval after the previous one";
  for (int i = 0; i < 5; ++i) messageAndRun();
  EXPECT_EQ(ticks_, 2) << "no catching up";
}

TEST_F(SchedulerClockTest, StorageBackoffEndsAfterWallClockStepBack) {
  message("b@example.com", "one");
  tickAndDispatch();
  ASSERT_EQ(sender_.sent.size(), 1u);
  ASSERT_TRUE(db_->exec("PRAGMA query_only=1").ok());  // as a read-only or full disk
  scheduler_->onResult(result(sender_.sent[0], DeliveryResult::Outcome::Delivered));
  scheduler_->pumpForTest();  // the database refuses the outcome: backs off
  ASSERT_TRUE(db_->exec("PRAGMA query_only=0").ok());
  clock_.stepWall(-hours(1));
  scheduler_->pumpForTest();
  EXPECT_EQ(states(), std::vector<std::string>{"pending"}) << "still backing off";
  clock_.advance(seconds(1));
  scheduler_->pumpForTest();
  EXPECT_EQ(states(), std::vector<std::string>{"sent"}) << "the backoff ended after 1 s";
}

TEST_F(SchedulerClockTest, DispatchBackoffEndsAfterWallClockStepBack) {
  message("b@example.com", "one");
  tickAndDispatch();
  ASSERT_EQ(sender_.sent.size(), 1u);
  ASSERT_TRUE(db_->exec("PRAGMA query_only=1").ok());
  make();  // restarted while the database refuses writes: the old mark stays, backs off
  scheduler_->runOnceForTest();
  ASSERT_EQ(sender_.sent.size(), 1u);
  ASSERT_TRUE(db_->exec("PRAGMA query_only=0").ok());
  clock_.stepWall(-hours(1));
  clock_.advance(seconds(1));
  scheduler_->runOnceForTest();
  EXPECT_EQ(sender_.sent.size(), 2u) << "the in-flight mark is voided and the push resent";
}

TEST_F(SchedulerClockTest, LoopWaitsAtMostAQuarterSecond) {
  const auto wait = scheduler_->runOnceForTest();
  EXPECT_GE(wait.count(), 1);
  EXPECT_LE(wait.count(), 250);
  clock_.stepWall(hours(24));
  EXPECT_LE(scheduler_->runOnceForTest().count(), 250);
  clock_.stepWall(-hours(48));
  EXPECT_GE(scheduler_->runOnceForTest().count(), 1);
}

}  // namespace
}  // namespace vapush
