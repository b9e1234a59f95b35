// SPDX-License-Identifier: Apache-2.0
// The outbox does not send an alert whose messages were all read after the tick planned
// it (read on another device, or the user came back) while it waited for a retry, a
// hold or the dispatcher; it is suppressed as read_meanwhile. Badge pushes still go.
#include <gtest/gtest.h>

#include "tests/unit/storage/notification_store_fixture.h"

namespace vapush {
namespace {

class OutboxRead : public NotificationStoreTest {
 protected:
  // Two conversations planned in one batch; returns their pushes by conversation.
  void planTwo() {
    publish("b@example.com", "from b", 1000);
    publish("c@example.com", "from c", 1100);
    TickSnapshot snap;
    ASSERT_TRUE(store_->loadSnapshot(2000, 100, snap).ok());
    int64_t batch = 0;
    ASSERT_TRUE(store_->nextBatchId(batch).ok());
    ASSERT_TRUE(store_->commitBatch(plan(snap, batch), 2000).ok());
  }
  std::vector<PushRequest> due(std::vector<PushOutcome>& dropped) {
    std::vector<PushRequest> out;
    std::vector<int> attempts;
    EXPECT_TRUE(store_->duePushes(5000, 10, out, attempts, &dropped).ok());
    return out;
  }
};

TEST_F(OutboxRead, ReadInOneConversationSuppressesOnlyThatPush) {
  planTwo();
  ASSERT_TRUE(store_->markRead(phone_.user, "b@example.com", 3000).ok());
  std::vector<PushOutcome> dropped;
  const auto pushes = due(dropped);
  ASSERT_EQ(pushes.size(), 1u);
  EXPECT_EQ(pushes[0].conversation, "c@example.com");
  ASSERT_EQ(dropped.size(), 1u);
  EXPECT_EQ(dropped[0].state, RowState::Suppressed);
  EXPECT_EQ(dropped[0].error, "read_meanwhile");
  ASSERT_TRUE(store_->recordResults(dropped, 5000).ok());
  EXPECT_EQ(count("SELECT count(*) FROM sys_cs_message_notification WHERE "
                  "conversation='b@example.com' AND state='suppressed' AND "
                  "last_error='read_meanwhile'"),
            1)
      << "the notification table says why it was not sent";
  EXPECT_EQ(count("SELECT count(*) FROM push WHERE state='pending'"), 1);
}

TEST_F(OutboxRead, ComingBackSuppressesEveryEarlierPush) {
  planTwo();
  bool changed = false;
  ASSERT_TRUE(store_->markSeen(phone_.user, 3000, changed).ok());
  std::vector<PushOutcome> dropped;
  EXPECT_TRUE(due(dropped).empty());
  EXPECT_EQ(dropped.size(), 2u);
}

TEST_F(OutboxRead, UnreadMessagesStillGoAndAPartlyReadPushToo) {
  publish("b@example.com", "one", 1000);
  publish("b@example.com", "two", 1500);
  TickSnapshot snap;
  ASSERT_TRUE(store_->loadSnapshot(2000, 100, snap).ok());
  int64_t batch = 0;
  ASSERT_TRUE(store_->nextBatchId(batch).ok());
  ASSERT_TRUE(store_->commitBatch(plan(snap, batch), 2000).ok());
  // Read up to the first message only: the second is still unread.
  ASSERT_TRUE(store_->markRead(phone_.user, "b@example.com", 1200).ok());
  std::vector<PushOutcome> dropped;
  EXPECT_EQ(due(dropped).size(), 1u);
  EXPECT_TRUE(dropped.empty());
}

TEST_F(OutboxRead, MessagesPrunedSendThePushAsPlanned) {
  planTwo();
  ASSERT_TRUE(db_->exec("DELETE FROM unread_message").ok());
  std::vector<PushOutcome> dropped;
  EXPECT_EQ(due(dropped).size(), 2u);
  EXPECT_TRUE(dropped.empty());
}

}  // namespace
}  // namespace vapush
