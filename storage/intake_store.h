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
  // user moments ago (the server publishes once per registered node).
  Status store(std::vector<PublishRecord>& records);

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
  Database& db_;
};

}  // namespace vapush
