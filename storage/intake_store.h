// SPDX-License-Identifier: Apache-2.0
// Durable group commit of accepted XEP-0357 publishes: all records of one receive pass
// go into one transaction, and the caller answers the publishes only after it returns Ok.
// Use from one thread (the XMPP thread) with its own Database.
#pragma once

#include <vector>

#include "plugin/publish_intake.h"
#include "storage/database.h"

namespace vapush {

class IntakeStore {
 public:
  explicit IntakeStore(Database& db) : db_(db) {}

  // Stores every record or none. Creates fpush devices (record.device.id == 0), updates
  // each device's last_publish and inserts one unread_message per record that carries a
  // message, unless the same message already arrived through another device of the same
  // user moments ago (the server publishes once per registered node). Counts what the
  // cap dropped (vapush_unread_dropped_total) once the transaction is committed.
  Status store(std::vector<PublishRecord>& records);

  // At most this many unread messages per user (limits.max_unread_per_user; 0 = no
  // cap). Storing one more drops the user's oldest unread message: it is marked
  // (read=kReadDropped, and notified_batch=-1 if no tick had consumed it yet), so it is
  // never pushed and no longer counted in the badge or `unread`, and is pruned later
  // like a notified message. At the cap the badge shows the cap.
  void setMaxUnreadPerUser(size_t max) { max_unread_per_user_ = max; }
  // unread_message.read of a message dropped at the cap (NotificationStore has the others).
  static constexpr int64_t kReadDropped = 3;
  // The cap's query: marks the user's unread messages beyond the newest `max` dropped.
  // It walks unread_open_by_user backwards, no sort (ties in `received` come in the
  // index's rowid order; naming id in ORDER BY would add a sort).
  static constexpr const char* kDropOverCapSql =
      "UPDATE unread_message SET read=3, notified_batch=CASE notified_batch WHEN 0 THEN -1 "
      "ELSE notified_batch END WHERE id IN (SELECT id FROM unread_message WHERE user=? AND "
      "read=0 ORDER BY received DESC LIMIT -1 OFFSET ?)";
  // For storeForwarded() run inside the caller's transaction: call after that
  // transaction ends; when it was committed, the messages dropped in it are counted.
  void endTransaction(bool committed);

  // How close (ms) two publishes of the same sender and body to the same user must be to
  // count as one message fanned out to several devices.
  static constexpr TimeMs kFanOutWindowMs = 10'000;

  // The fan-out / forwarded-copy dedupe lookup (user, conversation, body, received from,
  // device id to skip), run once per stored message. unread_by_conversation (migration 4)
  // makes it a range search over the conversation's last kFanOutWindowMs; the unit test
  // checks the query plan.
  static constexpr const char* kDedupeLookupSql =
      "SELECT id FROM unread_message WHERE user=? AND conversation=? AND body=? AND "
      "received>=? AND device_id<>? LIMIT 1";

  // Stores a message seen as a forwarded copy (no device). The same message seen as a
  // publish (same user, sender and body within the window) is counted once.
  Status storeForwarded(UnreadMessage& message);

 private:
  Status storeOne(PublishRecord& record);
  Status insertMessage(UnreadMessage& message);
  // Marks the user's unread messages beyond the cap dropped (kDropOverCapSql).
  Status dropOverCap(const std::string& user);
  Database& db_;
  size_t max_unread_per_user_ = 0;
  int64_t dropped_uncommitted_ = 0;  // dropped in the transaction in progress
};

}  // namespace vapush
