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
  std::vector<UnreadMessage> messages;                 // not yet notified, oldest first
  std::map<std::string, std::vector<Device>> devices;  // by user (those with messages)
  std::map<std::string, Preferences> preferences;      // by user (those with messages)
  std::map<std::string, int> unread_totals;            // by user: unread, not read
};

// What a tick decided, written atomically by NotificationStore::commitBatch().
struct BatchOutcome {
  int64_t batch = 0;
  TimeMs started = 0;
  std::vector<NotificationRow> rows;
  std::vector<PushRequest> pushes;
  std::vector<int64_t> consumed;  // unread_message ids marked notified by this batch
  std::vector<int64_t> held;      // ids left for a later tick (quiet hours: hold)
};

}  // namespace vapush
