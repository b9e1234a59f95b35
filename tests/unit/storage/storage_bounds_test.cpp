// SPDX-License-Identifier: Apache-2.0
// Tests for storage/ bounds (issue 13): batch ids that survive pruning, the migration of
// a version-4 database, and the indexed forwarded-copy dedupe lookup.
#include <gtest/gtest.h>

#include <string>

#include "plugin/localizer.h"
#include "plugin/message_text.h"
#include "plugin/metrics.h"
#include "plugin/presence.h"
#include "plugin/tick_planner.h"
#include "storage/intake_store.h"
#include "storage/notification_store.h"
#include "tests/unit/storage/notification_store_fixture.h"

namespace vapush {
namespace {

using StorageBoundsTest = NotificationStoreTest;

TEST_F(StorageBoundsTest, BatchIdsKeepGrowingAfterEveryBatchIsPruned) {
  publish("b@example.com", "one", 100);
  TickSnapshot snap;
  ASSERT_TRUE(store_->loadSnapshot(1000, 1000, snap).ok());
  int64_t first = 0;
  ASSERT_TRUE(store_->nextBatchId(first).ok());
  ASSERT_TRUE(store_->commitBatch(plan(snap, first), 1000).ok());
  publish("b@example.com", "two", 2000);
  ASSERT_TRUE(store_->loadSnapshot(3000, 1000, snap).ok());
  int64_t second = 0;
  ASSERT_TRUE(store_->nextBatchId(second).ok());
  EXPECT_GT(second, first);
  ASSERT_TRUE(store_->commitBatch(plan(snap, second), 3000).ok());

  // Every push delivered, then everything older than the retention pruned.
  std::vector<PushRequest> due;
  std::vector<int> attempts;
  for (int round = 0; round < 2; ++round) {
    ASSERT_TRUE(store_->duePushes(4000, 10, due, attempts).ok());
    for (const auto& p : due) {
      ASSERT_TRUE(store_->recordResult(p.id, RowState::Sent, 1, 0, "x", "", 4000).ok());
    }
  }
  int deleted = 0;
  ASSERT_TRUE(store_->prune(1'000'000, deleted).ok());
  ASSERT_EQ(count("SELECT count(*) FROM batch"), 0);
  ASSERT_EQ(count("SELECT count(*) FROM push"), 0);

  int64_t next = 0;
  ASSERT_TRUE(store_->nextBatchId(next).ok());
  EXPECT_GT(next, second) << "a batch id is never handed out twice";
}

TEST_F(StorageBoundsTest, AFailedFirstChunkTakesNoBatchId) {
  publish("b@example.com", "one", 100);
  TickSnapshot snap;
  ASSERT_TRUE(store_->loadSnapshot(1000, 1000, snap).ok());
  int64_t batch = 0;
  ASSERT_TRUE(store_->nextBatchId(batch).ok());
  ASSERT_TRUE(db_->exec("CREATE TRIGGER refuse BEFORE INSERT ON push BEGIN "
                        "SELECT RAISE(ABORT, 'injected'); END")
                  .ok());
  EXPECT_FALSE(store_->commitBatch(plan(snap, batch), 1000).ok());
  int64_t again = 0;
  ASSERT_TRUE(store_->nextBatchId(again).ok());
  EXPECT_EQ(again, batch) << "the id is taken only with the batch record";
}

TEST_F(StorageBoundsTest, Version4DatabaseUpgradesWithACounterAboveEveryBatchIdInUse) {
  // A v4 database whose batch rows were already pruned while a push of batch 7 and a
  // message of batch 5 remain: max(id) + 1 over `batch` would have said 1.
  const std::string path = (dir_ / "v4.db").string();
  std::string error;
  {
    auto v4 = Database::open(path, error, 4);
    ASSERT_TRUE(v4) << error;
    ASSERT_EQ(v4->schemaVersion(), 4);
    ASSERT_TRUE(v4->exec("INSERT INTO push(id, device, user, app, platform, token, "
                         "conversation, category, title, body, badge, unread, "
                         "oldest_message_time, batch, created, updated) VALUES "
                         "('0123456789abcdef0123456789abcdef', 1, 'a@example.com', 'ios', "
                         "'apns', 't', 'b@example.com', 'chat', 't', 'b', 1, 1, 0, 7, 0, 0);"
                         "INSERT INTO unread_message(user, conversation, category, body, "
                         "message_time, received, notified_batch) VALUES "
                         "('a@example.com', 'b@example.com', 'chat', 'kept', 1, 1, 5);")
                    .ok());
  }
  auto db = Database::open(path, error);
  ASSERT_TRUE(db) << error;
  EXPECT_EQ(db->schemaVersion(), Database::kSchemaVersion);
  NotificationStore store(*db);
  int64_t next = 0;
  ASSERT_TRUE(store.nextBatchId(next).ok());
  EXPECT_EQ(next, 8);
  Statement& st = db->prepare("SELECT body FROM unread_message WHERE notified_batch=5");
  ASSERT_TRUE(st.reset().step());
  EXPECT_EQ(st.text(0), "kept");
  st.reset();
}

// EXPLAIN QUERY PLAN's detail lines for `sql`, one per line.
std::string queryPlan(Database& db, const std::string& sql) {
  Statement& st = db.prepare("EXPLAIN QUERY PLAN " + sql);
  std::string plan;
  st.reset();
  while (st.step()) plan += st.text(3) + "\n";
  return plan;
}

TEST_F(StorageBoundsTest, DedupeLookupSearchesTheConversationIndexByTime) {
  // Run once per stored publish and forwarded copy: a scan of unread_message (or of the
  // whole conversation) would grow with the backlog.
  const std::string plan = queryPlan(*db_, IntakeStore::kDedupeLookupSql);
  EXPECT_NE(plan.find("SEARCH unread_message USING INDEX unread_by_conversation "
                      "(user=? AND conversation=? AND received>?)"),
            std::string::npos)
      << plan;
  EXPECT_EQ(plan.find("SCAN"), std::string::npos) << plan;
}

TEST_F(StorageBoundsTest, UnreadPerUserIsCappedOldestDroppedAndCounted) {
  // Quiet hours in hold mode: no tick consumes these, every tick would reload them all.
  max_unread_ = 3;
  const double dropped_before = metrics().value("vapush_unread_dropped_total");
  for (int i = 1; i <= 5; ++i) publish("b@example.com", "m" + std::to_string(i), 100 * i);
  EXPECT_EQ(metrics().value("vapush_unread_dropped_total") - dropped_before, 2);
  EXPECT_EQ(count("SELECT count(*) FROM unread_message"), 5) << "marked, not deleted";
  EXPECT_EQ(count("SELECT count(*) FROM unread_message WHERE read=3 AND notified_batch=-1 "
                  "AND body IN ('m1','m2')"),
            2);
  TickSnapshot snap;
  ASSERT_TRUE(store_->loadSnapshot(10'000, 1000, snap).ok());
  ASSERT_EQ(snap.messages.size(), 3u) << "the newest three";
  EXPECT_EQ(snap.messages.front().received, 300);
  EXPECT_EQ(snap.unread_totals.at("a@example.com"), 3) << "the badge shows the cap";
  EXPECT_EQ(snap.conversation_unread.at({"a@example.com", "b@example.com"}), 3);
  int64_t backlog = 0;
  ASSERT_TRUE(store_->backlog(backlog).ok());
  EXPECT_EQ(backlog, 3);

  // Pushed but still unread counts too: a fourth message drops the oldest of those,
  // keeping the batch it was notified in.
  ASSERT_TRUE(store_->commitBatch(plan(snap, 1), 10'000).ok());
  publish("c@example.com", "m6", 20'000);
  EXPECT_EQ(metrics().value("vapush_unread_dropped_total") - dropped_before, 3);
  EXPECT_EQ(count("SELECT count(*) FROM unread_message WHERE read=3 AND notified_batch=1"), 1);
  ASSERT_TRUE(store_->loadSnapshot(30'000, 1000, snap).ok());
  EXPECT_EQ(snap.unread_totals.at("a@example.com"), 3);

  // Dropped messages are pruned with the rest.
  int deleted = 0;
  ASSERT_TRUE(store_->prune(1'000'000, deleted).ok());
  EXPECT_EQ(count("SELECT count(*) FROM unread_message WHERE read=3"), 0);
  EXPECT_EQ(count("SELECT count(*) FROM unread_message WHERE body='m6'"), 1);
}

TEST_F(StorageBoundsTest, CapDropsNothingAndCountsNothingWhenTheCommitFails) {
  max_unread_ = 1;
  publish("b@example.com", "first", 100);
  ASSERT_TRUE(db_->exec("CREATE TRIGGER refuse BEFORE INSERT ON unread_message "
                        "WHEN NEW.body='boom' BEGIN SELECT RAISE(ABORT, 'injected'); END")
                  .ok());
  const double dropped_before = metrics().value("vapush_unread_dropped_total");
  auto record = [&](const std::string& body, TimeMs at) {
    PublishRecord r;
    r.device = phone_;
    r.has_message = true;
    r.message.conversation = "b@example.com";
    r.message.body = body;
    r.message.message_time = r.message.received = at;
    return r;
  };
  std::vector<PublishRecord> v{record("second", 200), record("boom", 300)};
  IntakeStore intake(*db_);
  intake.setMaxUnreadPerUser(1);
  EXPECT_FALSE(intake.store(v).ok());
  EXPECT_EQ(metrics().value("vapush_unread_dropped_total"), dropped_before);
  EXPECT_EQ(count("SELECT count(*) FROM unread_message WHERE read=0 AND body='first'"), 1);
  EXPECT_EQ(count("SELECT count(*) FROM unread_message"), 1);
}

TEST_F(StorageBoundsTest, CapQueryWalksOnlyTheUsersUnreadIndex) {
  const std::string plan = queryPlan(*db_, IntakeStore::kDropOverCapSql);
  EXPECT_NE(plan.find("USING COVERING INDEX unread_open_by_user (user=?)"), std::string::npos)
      << plan;
  EXPECT_EQ(plan.find("TEMP B-TREE"), std::string::npos) << "no sort: " << plan;
  EXPECT_EQ(plan.find("SCAN"), std::string::npos) << plan;
}

class UtcZones : public TimeZones {
 public:
  std::optional<int> utcOffsetMinutes(std::string_view, TimeMs) override { return 0; }
};

TEST_F(StorageBoundsTest, SnapshotCarriesNoBodiesPushedMessagesGetThemAtCommit) {
  SqliteDeviceRepository devices(*db_);
  SqlitePreferencesRepository preferences(*db_);
  auto addUser = [&](const std::string& user, const Preferences& prefs) {
    Device d = phone_;
    d.id = 0;
    d.user = user;
    d.node = "node-" + user;
    d.token = std::string(64, user[0]);
    EXPECT_TRUE(devices.add(d).ok());
    EXPECT_TRUE(preferences.save(user, prefs).ok());
    return d;
  };
  Preferences quiet;  // quiet hours 00:00-02:00 UTC, the tick runs at 01:00: held
  quiet.quiet_hours = QuietHours{0, 120, "UTC"};
  Preferences no_preview;
  no_preview.preview = false;
  const Device held = addUser("h@example.com", quiet);
  const Device hidden = addUser("p@example.com", no_preview);
  auto publishTo = [&](const Device& d, const std::string& body, TimeMs at) {
    PublishRecord r;
    r.device = d;
    r.device.last_publish = at;
    r.has_message = true;
    r.message.conversation = "b@example.com";
    r.message.sender = "b@example.com/r";
    r.message.body = body;
    r.message.message_time = r.message.received = at;
    std::vector<PublishRecord> v{r};
    ASSERT_TRUE(IntakeStore(*db_).store(v).ok());
  };
  publish("b@example.com", "first text", 100);
  publish("b@example.com", "second text", 200);
  publishTo(held, "held text", 300);
  publishTo(hidden, "hidden text", 400);

  const TimeMs now = 3'600'000;
  TickSnapshot snap;
  ASSERT_TRUE(store_->loadSnapshot(now, 1000, snap).ok());
  ASSERT_EQ(snap.messages.size(), 4u);
  for (const auto& m : snap.messages) EXPECT_EQ(m.body, "") << m.id;

  BatchingConfig batching;
  PresenceTracker presence;  // nobody online
  UtcZones zones;
  int ids = 0;
  PlannerContext ctx{batching, presence, zones, [&] {
                       std::string id = std::to_string(++ids);
                       return std::string(32 - id.size(), 'e') + id;
                     }};
  int64_t batch = 0;
  ASSERT_TRUE(store_->nextBatchId(batch).ok());
  const BatchOutcome o = planTick(snap, now, batch, ctx);
  ASSERT_EQ(o.held.size(), 1u);
  ASSERT_EQ(o.pushes.size(), 2u);
  ASSERT_TRUE(store_->commitBatch(o, now).ok());

  std::vector<PushRequest> due;
  std::vector<int> attempts;
  ASSERT_TRUE(store_->duePushes(now, 10, due, attempts).ok());
  ASSERT_EQ(due.size(), 2u);
  std::map<std::string, PushRequest> push_of;
  for (const auto& p : due) push_of[p.user] = p;
  EXPECT_EQ(push_of["a@example.com"].body, "second text") << "the last message, read by id";
  EXPECT_EQ(push_of["a@example.com"].body_key, "") << "a text, not the count's catalog key";
  EXPECT_TRUE(push_of["a@example.com"].body_args.empty());
  EXPECT_EQ(push_of["p@example.com"].body, "1 new message") << "previews off: no text";
  EXPECT_EQ(push_of["p@example.com"].body_key, text_key::kNewMessagesBody);
  EXPECT_EQ(push_of["p@example.com"].body_args, std::vector<std::string>{"1"});
  EXPECT_EQ(count("SELECT count(*) FROM sys_cs_message_notification WHERE "
                  "(body='first text' AND user='a@example.com') OR "
                  "(body='second text' AND user='a@example.com') OR "
                  "(body='hidden text' AND user='p@example.com')"),
            3)
      << "rows keep their message's body";
  EXPECT_EQ(count("SELECT count(*) FROM sys_cs_message_notification WHERE "
                  "user='h@example.com'"),
            0);
  EXPECT_EQ(count("SELECT count(*) FROM unread_message WHERE body='held text' AND "
                  "notified_batch=0"),
            1)
      << "held for the next tick, body kept in storage";
}

TEST_F(StorageBoundsTest, EncryptedMarkerIsTheOnlyBodyTheSnapshotLoads) {
  publish("b@example.com", kEncryptedMessageText, 100);
  TickSnapshot snap;
  ASSERT_TRUE(store_->loadSnapshot(1000, 1000, snap).ok());
  ASSERT_EQ(snap.messages.size(), 1u);
  EXPECT_EQ(snap.messages[0].body, kEncryptedMessageText);
  BatchingConfig batching;
  PresenceTracker presence;
  UtcZones zones;
  int ids = 0;
  PlannerContext ctx{batching, presence, zones,
                     [&] { return std::string(31, 'e') + std::to_string(++ids); }};
  int64_t batch = 0;
  ASSERT_TRUE(store_->nextBatchId(batch).ok());
  const BatchOutcome o = planTick(snap, 1000, batch, ctx);
  ASSERT_EQ(o.pushes.size(), 1u);
  EXPECT_TRUE(o.preview_message.empty()) << "the catalog's text, not the stored English";
  ASSERT_TRUE(store_->commitBatch(o, 1000).ok());
  std::vector<PushRequest> due;
  std::vector<int> attempts;
  ASSERT_TRUE(store_->duePushes(1000, 10, due, attempts).ok());
  ASSERT_EQ(due.size(), 1u);
  EXPECT_EQ(due[0].body_key, text_key::kEncryptedMessageBody)
      << "localize: device shows it in the phone's language";
}

}  // namespace
}  // namespace vapush
