// SPDX-License-Identifier: Apache-2.0
// Tests for storage/notification_store: snapshot, idempotent batch commit, outbox order.
#include "storage/notification_store.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>

#include "storage/intake_store.h"
#include "storage/sqlite_repositories.h"
#include "tests/unit/storage/notification_store_fixture.h"

namespace vapush {
namespace {

TEST_F(NotificationStoreTest, SnapshotHasMessagesDevicesAndBadge) {
  publish("b@example.com", "one", 100);
  publish("b@example.com", "two", 200);
  publish("va@example.com", "three", 300);
  TickSnapshot snap;
  ASSERT_TRUE(store_->loadSnapshot(250, 1000, snap).ok());
  ASSERT_EQ(snap.messages.size(), 2u) << "only messages received before the cutoff";
  EXPECT_EQ(snap.messages[0].sender, "b@example.com/r");
  EXPECT_EQ(snap.messages[0].body, "") << "bodies are read at commit, for what is pushed";
  EXPECT_EQ(snap.devices.at("a@example.com").size(), 1u);
  EXPECT_TRUE(snap.preferences.at("a@example.com").virtual_agent);
  EXPECT_EQ(snap.unread_totals.at("a@example.com"), 3);
}

TEST_F(NotificationStoreTest, CommitIsAtomicAndRedoDoesNotDuplicate) {
  publish("b@example.com", "one", 100);
  publish("b@example.com", "two", 200);
  TickSnapshot snap;
  ASSERT_TRUE(store_->loadSnapshot(1000, 1000, snap).ok());
  int64_t batch = 0;
  ASSERT_TRUE(store_->nextBatchId(batch).ok());
  EXPECT_EQ(batch, 1);
  BatchOutcome o = plan(snap, batch);
  ASSERT_TRUE(store_->commitBatch(o, 1000).ok());
  EXPECT_EQ(count("SELECT count(*) FROM sys_cs_message_notification"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM push"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM unread_message WHERE notified_batch=1"), 2);

  // A tick redone from the same messages (as after a crash between commit and the
  // process noticing) adds nothing.
  BatchOutcome redo = plan(snap, 2);
  redo.pushes.clear();
  ASSERT_TRUE(store_->commitBatch(redo, 2000).ok());
  EXPECT_EQ(count("SELECT count(*) FROM sys_cs_message_notification"), 2);
  EXPECT_EQ(count("SELECT count(*) FROM unread_message WHERE notified_batch=1"), 2);
  ASSERT_TRUE(store_->loadSnapshot(5000, 1000, snap).ok());
  EXPECT_TRUE(snap.messages.empty());
}

TEST_F(NotificationStoreTest, DuePushesCarryTheDevicesProtocolAndDeviceId) {
  // A wake-style push is rebuilt from the device row (plugin/push_style.h).
  SqliteDeviceRepository devices(*db_);
  phone_.protocol = Protocol::P2;
  phone_.device_id = "92afd7a91cdba9a0";
  ASSERT_TRUE(devices.update(phone_).ok());
  publish("b@example.com", "one", 100);
  TickSnapshot snap;
  ASSERT_TRUE(store_->loadSnapshot(1000, 1000, snap).ok());
  ASSERT_TRUE(store_->commitBatch(plan(snap, 1), 1000).ok());
  std::vector<PushRequest> due;
  std::vector<int> attempts;
  ASSERT_TRUE(store_->duePushes(5000, 10, due, attempts).ok());
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].protocol, Protocol::P2);
  EXPECT_EQ(due[0].device_key, "92afd7a91cdba9a0");
  EXPECT_EQ(due[0].user, "a@example.com");
  // Device gone before the push left: its pushes are cancelled with it.
  ASSERT_TRUE(devices.remove(phone_.id, 2000).ok());
  ASSERT_TRUE(store_->duePushes(5000, 10, due, attempts).ok());
  EXPECT_TRUE(due.empty());
}

TEST_F(NotificationStoreTest, OutboxKeepsBatchOrderPerConversation) {
  publish("b@example.com", "one", 100);
  TickSnapshot snap;
  ASSERT_TRUE(store_->loadSnapshot(1000, 1000, snap).ok());
  ASSERT_TRUE(store_->commitBatch(plan(snap, 1), 1000).ok());
  publish("b@example.com", "two", 2000);
  ASSERT_TRUE(store_->loadSnapshot(3000, 1000, snap).ok());
  ASSERT_TRUE(store_->commitBatch(plan(snap, 2), 3000).ok());

  std::vector<PushRequest> due;
  std::vector<int> attempts;
  ASSERT_TRUE(store_->duePushes(5000, 10, due, attempts).ok());
  ASSERT_EQ(due.size(), 1u) << "batch 2 waits for batch 1";
  EXPECT_EQ(due[0].batch, 1);
  const std::string first = due[0].id;
  ASSERT_TRUE(store_->markInFlight({first}).ok());
  ASSERT_TRUE(store_->duePushes(5000, 10, due, attempts).ok());
  EXPECT_TRUE(due.empty()) << "in flight: nothing else for that conversation";
  std::optional<TimeMs> next;
  ASSERT_TRUE(store_->nextDue(next).ok());
  EXPECT_FALSE(next) << "nothing to wake up for while the only sendable push is in flight";
  int expired = 0;
  ASSERT_TRUE(store_->expireBefore(1000, 5000, expired).ok());  // batch 1 only
  EXPECT_EQ(expired, 0) << "a push in flight is not expired under its result";
  ASSERT_TRUE(store_->duePushes(5000, 10, due, attempts).ok());
  EXPECT_TRUE(due.empty()) << "so batch 2 still waits behind it";
  ASSERT_TRUE(store_->releaseInFlight().ok());
  ASSERT_TRUE(store_->duePushes(5000, 10, due, attempts).ok());
  ASSERT_EQ(due.size(), 1u) << "a new process sends what the old one had in flight";
  EXPECT_EQ(due[0].id, first);
  ASSERT_TRUE(store_->markInFlight({first}).ok());

  // A retry scheduled later still blocks batch 2.
  ASSERT_TRUE(store_->recordResult(first, RowState::Pending, 1, 9000, "", "503", 5000).ok());
  ASSERT_TRUE(store_->duePushes(5000, 10, due, attempts).ok());
  EXPECT_TRUE(due.empty());
  ASSERT_TRUE(store_->nextDue(next).ok());
  EXPECT_EQ(next.value_or(-1), 9000) << "batch 2 is due but blocked behind batch 1's retry";

  ASSERT_TRUE(store_->recordResult(first, RowState::Sent, 2, 0, "apns-1", "", 9000).ok());
  EXPECT_EQ(count("SELECT count(*) FROM sys_cs_message_notification WHERE state='sent' "
                  "AND provider_id='apns-1' AND sent_on=9000 AND attempts=2"),
            1);
  ASSERT_TRUE(store_->duePushes(9000, 10, due, attempts).ok());
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].batch, 2);
  ASSERT_TRUE(store_->nextDue(next).ok());
  EXPECT_EQ(next.value_or(-1), 0) << "a fresh push is due at once, which is not 'none'";
}

TEST_F(NotificationStoreTest, ExpireReadAndPrune) {
  publish("b@example.com", "old", 100);
  TickSnapshot snap;
  ASSERT_TRUE(store_->loadSnapshot(1000, 1000, snap).ok());
  ASSERT_TRUE(store_->commitBatch(plan(snap, 1), 1000).ok());
  int n = 0;
  ASSERT_TRUE(store_->expireBefore(50, 2000, n).ok());
  EXPECT_EQ(n, 0);
  ASSERT_TRUE(store_->expireBefore(500, 2000, n).ok());
  EXPECT_EQ(n, 1);
  EXPECT_EQ(count("SELECT count(*) FROM sys_cs_message_notification WHERE state='expired'"), 1);

  publish("c@example.com", "unread", 3000);
  ASSERT_TRUE(store_->markRead("a@example.com", "c@example.com", 3000).ok());
  EXPECT_EQ(count("SELECT count(*) FROM unread_message WHERE read=1"), 1);
  int64_t backlog = 0;
  ASSERT_TRUE(store_->backlog(backlog).ok());
  EXPECT_EQ(backlog, 1);

  ASSERT_TRUE(store_->prune(10'000, n).ok());
  EXPECT_EQ(count("SELECT count(*) FROM sys_cs_message_notification"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM unread_message"), 0);
}

TEST_F(NotificationStoreTest, DuePushCarriesTheDevicesCurrentToken) {
  publish("b@example.com", "one", 100);
  TickSnapshot snap;
  ASSERT_TRUE(store_->loadSnapshot(1000, 1000, snap).ok());
  ASSERT_TRUE(store_->commitBatch(plan(snap, 1), 1000).ok());
  SqliteDeviceRepository devices(*db_);
  Device d = phone_;
  d.token = std::string(64, 'c');
  ASSERT_TRUE(devices.update(d).ok());
  std::vector<PushRequest> due;
  std::vector<int> attempts;
  ASSERT_TRUE(store_->duePushes(5000, 10, due, attempts).ok());
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].token, d.token);
  // A verdict on the old token does not touch the device; on the current one it does.
  EXPECT_TRUE(devices.disableToken(phone_.id, phone_.token, 6000).notFound());
  ASSERT_TRUE(devices.disableToken(phone_.id, d.token, 6000).ok());
  ASSERT_TRUE(devices.findById(phone_.id, d).ok());
  EXPECT_FALSE(d.enabled);
}

TEST_F(NotificationStoreTest, RemovingADeviceCancelsItsPendingPushesButNotThoseInFlight) {
  publish("b@example.com", "one", 100);
  publish("c@example.com", "two", 100);
  TickSnapshot snap;
  ASSERT_TRUE(store_->loadSnapshot(1000, 1000, snap).ok());
  ASSERT_TRUE(store_->commitBatch(plan(snap, 1), 1000).ok());
  std::vector<PushRequest> due;
  std::vector<int> attempts;
  ASSERT_TRUE(store_->duePushes(5000, 10, due, attempts).ok());
  ASSERT_EQ(due.size(), 2u);
  ASSERT_TRUE(store_->markInFlight({due[0].id}).ok());
  SqliteDeviceRepository devices(*db_);
  ASSERT_TRUE(devices.remove(phone_.id, 6000).ok());
  EXPECT_EQ(count("SELECT count(*) FROM push WHERE state='suppressed' AND "
                  "last_error='device_removed' AND updated=6000"),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM sys_cs_message_notification WHERE state='suppressed' "
                  "AND last_error='device_removed' AND sys_updated_on=6000"),
            1);
  EXPECT_EQ(count("SELECT count(*) FROM push WHERE state='pending' AND in_flight=1"), 1)
      << "the push in flight is left to its result";
  // Its retry is dropped at dispatch.
  ASSERT_TRUE(store_->recordResult(due[0].id, RowState::Pending, 1, 0, "", "503", 6000).ok());
  std::vector<PushOutcome> dropped;
  ASSERT_TRUE(store_->duePushes(7000, 10, due, attempts, &dropped).ok());
  EXPECT_TRUE(due.empty());
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].state, RowState::Suppressed);
  EXPECT_EQ(dropped[0].error, "device_removed");
}

}  // namespace
}  // namespace vapush
