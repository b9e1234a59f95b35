// SPDX-License-Identifier: Apache-2.0
// What one batch tick reads (TickSnapshot) and decides (BatchOutcome). Plain values:
// storage/ fills the snapshot and writes the outcome; plugin/tick_planner decides.
#pragma once

#include <map>
#include <string>
#include <vector>

#include "plugin/model.h"

namespace vapush {

// Everything one tick looks at, loaded in one read transaction.
struct TickSnapshot {
  // Not yet notified, oldest first. Storage leaves their bodies out (body empty): most
  // are held, suppressed or only counted, and held messages come back every tick. The
  // bodies of what is pushed are read when the outcome is committed (preview_message).
  // Only the encrypted-message marker (kEncryptedMessageText) is loaded: the planner
  // gives it the catalog's text in the device's language.
  std::vector<UnreadMessage> messages;
  std::map<std::string, std::vector<Device>> devices;  // by user (those with messages)
  std::map<std::string, Preferences> preferences;      // by user (those with messages)
  std::map<std::string, int> unread_totals;            // by user: messages not read
  // (user, conversation) -> messages not read in that conversation, across batches.
  std::map<std::pair<std::string, std::string>, int> conversation_unread;
  // by user: the last time a resource came back into use; messages received before it
  // count as read (came back), even if their read mark is not written yet.
  std::map<std::string, TimeMs> seen_until;
  // Users some of whose messages became read since an earlier tick, with the counter
  // value read (their devices, totals and preferences are loaded too): candidates for
  // a silent badge update.
  std::map<std::string, int64_t> read_changed;
};

// What a tick decided, written atomically by NotificationStore::commitBatch().
struct BatchOutcome {
  int64_t batch = 0;
  TimeMs started = 0;
  std::vector<NotificationRow> rows;
  std::vector<PushRequest> pushes;
  std::vector<int64_t> consumed;  // unread_message ids marked notified by this batch
  std::vector<int64_t> held;      // ids left for a later tick (quiet hours: hold)
  // Alert push id -> the message whose text it shows (previews on). commitBatch writes
  // that message's stored body as the push's body, unless it is empty (then the push
  // keeps its body as planned: "N new messages"). Rows get their message's body too.
  std::map<std::string, int64_t> preview_message;
  // Badge now planned for each device (alert pushes and badge updates).
  std::vector<std::pair<int64_t, int>> device_badges;
  // read_changed entries handled (cleared unless the counter moved on meanwhile).
  std::vector<std::pair<std::string, int64_t>> read_handled;
};

}  // namespace vapush
