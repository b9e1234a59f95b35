// SPDX-License-Identifier: Apache-2.0
// Storage side of the unread truth: the durable coming-back moment, totals and per
// conversation counts from what is not read, device badges and the read-change counter,
// badge pushes through the outbox.
#include <gtest/gtest.h>

#include "tests/unit/storage/notification_store_fixture.h"

namespace vapush {
namespace {

using UnreadStateTest = NotificationStoreTest;

TEST_F(UnreadStateTest, ComingBackReadsEarlierMessagesOnlyAndIsRemembered) {
  publish("b@example.com", "one", 1000);
  publish("b@example.com", "two", 2000);
  bool changed = false;
  ASSERT_TRUE(store_->markSeen(phone_.user, 2500, changed).ok());
  EXPECT_TRUE(changed);
  publish("b@example.com", "three", 3000);
  publish("c@example.com", "hi", 3100);
  TickSnapshot snap;
  ASSERT_TRUE(store_->loadSnapshot(10'000, 100, snap).ok());
  ASSERT_EQ(snap.messages.size(), 4u);
  EXPECT_TRUE(snap.messages[0].came_back && snap.messages[1].came_back);
  EXPECT_FALSE(snap.messages[2].read);
  EXPECT_EQ(snap.unread_totals[phone_.user], 2);
  EXPECT_EQ((snap.conversation_unread[{phone_.user, "b@example.com"}]), 1);
  EXPECT_EQ((snap.conversation_unread[{phone_.user, "c@example.com"}]), 1);
  EXPECT_EQ(snap.seen_until[phone_.user], 2500);
  EXPECT_EQ(snap.read_changed.count(phone_.user), 1u) << "badge update candidate";

  // A restart keeps the moment: a new connection sees the same.
  std::string error;
  auto again = Database::open((dir_ / "v.db").string(), error);
  ASSERT_TRUE(again) << error;
  TickSnapshot snap2;
  ASSERT_TRUE(NotificationStore(*again).loadSnapshot(10'000, 100, snap2).ok());
  EXPECT_EQ(snap2.seen_until[phone_.user], 2500);
  EXPECT_EQ(snap2.unread_totals[phone_.user], 2);
}

TEST_F(UnreadStateTest, MomentCoversAMessageCommittedAfterIt) {
  // The presence is handled before the group commit of a publish that arrived first.
  bool changed = true;
  ASSERT_TRUE(store_->markSeen(phone_.user, 5000, changed).ok());
  EXPECT_FALSE(changed) << "nothing to mark yet";
  publish("b@example.com", "raced", 4000);
  TickSnapshot snap;
  ASSERT_TRUE(store_->loadSnapshot(10'000, 100, snap).ok());
  ASSERT_EQ(snap.messages.size(), 1u);
  EXPECT_EQ(snap.unread_totals[phone_.user], 0);
  EXPECT_EQ(snap.seen_until[phone_.user], 5000) << "the planner suppresses it as came_back";
}

TEST_F(UnreadStateTest, UsersWithoutADeviceLeaveNoTrace) {
  bool changed = true;
  ASSERT_TRUE(store_->markSeen("nobody@example.com", 5000, changed).ok());
  EXPECT_FALSE(changed);
  EXPECT_EQ(count("SELECT count(*) FROM user_state"), 0);
}

TEST_F(UnreadStateTest, CommitRecordsBadgesAndClearsOnlyTheChangeItSaw) {
  publish("b@example.com", "one", 1000);
  ASSERT_TRUE(store_->markRead(phone_.user, "b@example.com", 1500).ok());
  TickSnapshot snap;
  ASSERT_TRUE(store_->loadSnapshot(10'000, 100, snap).ok());
  ASSERT_EQ(snap.read_changed.count(phone_.user), 1u);
  BatchOutcome o = plan(snap, 1);
  o.device_badges = {{phone_.id, 0}};
  o.read_handled = {{phone_.user, snap.read_changed[phone_.user]}};
  // Another read mark lands between the snapshot and the commit.
  publish("c@example.com", "two", 2000);
  ASSERT_TRUE(store_->markRead(phone_.user, "c@example.com", 2500).ok());
  ASSERT_TRUE(store_->commitBatch(o, 3000).ok());
  EXPECT_EQ(count("SELECT badge FROM device"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM user_state WHERE read_changed<>0"), 1)
      << "the newer change is looked at by the next tick";
  TickSnapshot next;
  ASSERT_TRUE(store_->loadSnapshot(10'000, 100, next).ok());
  BatchOutcome o2;
  o2.batch = 2;
  o2.read_handled = {{phone_.user, next.read_changed[phone_.user]}};
  ASSERT_TRUE(store_->commitBatch(o2, 3100).ok());
  EXPECT_EQ(count("SELECT count(*) FROM user_state WHERE read_changed<>0"), 0);
}

TEST_F(UnreadStateTest, BadgePushGoesThroughTheOutboxAsABadgePush) {
  BatchOutcome o;
  o.batch = 1;
  PushRequest p;
  p.kind = PushKind::Badge;
  p.id = std::string(32, 'b');
  p.device = phone_.id;
  p.user = phone_.user;
  p.app = "ios";
  p.token = phone_.token;
  p.badge = 0;
  p.batch = 1;
  o.pushes.push_back(p);
  ASSERT_TRUE(store_->commitBatch(o, 1000).ok());
  std::vector<PushRequest> due;
  std::vector<int> attempts;
  ASSERT_TRUE(store_->duePushes(2000, 10, due, attempts).ok());
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].kind, PushKind::Badge);
  EXPECT_EQ(due[0].badge, 0);
  EXPECT_EQ(count("SELECT count(*) FROM sys_cs_message_notification"), 0)
      << "no message, no notification row";
}

}  // namespace
}  // namespace vapush

namespace vapush {
namespace {

int countCommits(void* counter) {
  ++*static_cast<int*>(counter);
  return 0;
}

TEST_F(UnreadStateTest, BigTickCommitsInChunksWithTheSameResult) {
  for (int i = 0; i < 6; ++i) {
    publish("peer" + std::to_string(i) + "@example.com", "m" + std::to_string(i), 1000 + i);
  }
  TickSnapshot snap;
  ASSERT_TRUE(store_->loadSnapshot(10'000, 100, snap).ok());
  BatchOutcome o = plan(snap, 1);  // 6 pushes (one per conversation), 6 rows: one user
  // A second user, so there is something to split.
  Device other = phone_;
  other.user = "b@example.com";
  other.node = "n2";
  ASSERT_TRUE(SqliteDeviceRepository(*db_).add(other).ok());
  PushRequest p = o.pushes[0];
  p.id = std::string(32, 'c');
  p.user = other.user;
  p.device = other.id;
  o.pushes.push_back(p);
  int commits = 0;
  sqlite3_commit_hook(db_->handle(), countCommits, &commits);
  store_->setCommitChunkRows(4);
  ASSERT_TRUE(store_->commitBatch(o, 2000).ok());
  sqlite3_commit_hook(db_->handle(), nullptr, nullptr);
  EXPECT_EQ(commits, 2) << "batch record with user a (12 rows + pushes, whole), user b";
  EXPECT_EQ(count("SELECT count(*) FROM push"), 7);
  EXPECT_EQ(count("SELECT count(*) FROM sys_cs_message_notification"), 6);
  EXPECT_EQ(count("SELECT count(*) FROM unread_message WHERE notified_batch=1"), 6);
  EXPECT_EQ(count("SELECT rows FROM batch WHERE id=1"), 6);
}

}  // namespace
}  // namespace vapush

namespace vapush {
namespace {

TEST_F(UnreadStateTest, AFailingChunkLeavesNothingAndEarlierChunksStayWhole) {
  for (int i = 0; i < 3; ++i) {
    publish("peer" + std::to_string(i) + "@example.com", "m" + std::to_string(i), 1000 + i);
  }
  TickSnapshot snap;
  ASSERT_TRUE(store_->loadSnapshot(10'000, 100, snap).ok());
  BatchOutcome o = plan(snap, 1);  // user a: 3 pushes, 3 rows, 3 consumed
  PushRequest p = o.pushes[0];     // user b: one push, planned after a
  p.id = std::string(32, 'c');
  p.user = "b@example.com";
  o.pushes.push_back(p);
  // The database refuses b's push halfway through the tick.
  ASSERT_TRUE(db_->exec("CREATE TEMP TRIGGER refuse_b BEFORE INSERT ON push "
                        "WHEN NEW.user='b@example.com' BEGIN SELECT RAISE(ABORT, 'injected'); END")
                  .ok());
  store_->setCommitChunkRows(2);
  EXPECT_FALSE(store_->commitBatch(o, 2000).ok());
  EXPECT_EQ(count("SELECT count(*) FROM push WHERE user='a@example.com'"), 3) << "a's chunk";
  EXPECT_EQ(count("SELECT count(*) FROM sys_cs_message_notification"), 3);
  EXPECT_EQ(count("SELECT count(*) FROM unread_message WHERE notified_batch=1"), 3);
  EXPECT_EQ(count("SELECT count(*) FROM push WHERE user='b@example.com'"), 0) << "b: nothing";
  // Every row of a's chunk travels in a push of that chunk.
  EXPECT_EQ(count("SELECT count(*) FROM sys_cs_message_notification n WHERE NOT EXISTS "
                  "(SELECT 1 FROM push p WHERE p.id=n.push_id)"),
            0);
  // The next tick finds a's messages consumed: nothing is planned twice.
  TickSnapshot again;
  ASSERT_TRUE(store_->loadSnapshot(10'000, 100, again).ok());
  EXPECT_TRUE(again.messages.empty());
}

}  // namespace
}  // namespace vapush
