// SPDX-License-Identifier: Apache-2.0
// Splits one tick's outcome into chunks that can be committed one transaction each, so
// a big tick never holds the database's write lock for long (a publish waiting behind
// it would be answered `wait` and its notification lost).
//
// Each chunk is self-contained, so a crash between two chunks loses nothing and a redo
// duplicates nothing: a user's pushes, the rows that travel in them, the consumed marks
// of those rows' messages, their devices' badges and read-change marks always share a
// chunk. Consumed messages without rows (users with no device) go into the first chunk.
// Pure: no I/O.
#pragma once

#include <cstddef>
#include <string>
#include <utility>
#include <vector>

#include "plugin/tick.h"

namespace vapush {

// One chunk: pointers into the outcome it was split from (which must outlive it).
struct OutcomeChunk {
  std::vector<const NotificationRow*> rows;
  std::vector<const PushRequest*> pushes;
  std::vector<int64_t> consumed;
  std::vector<std::pair<int64_t, int>> device_badges;
  std::vector<std::pair<std::string, int64_t>> read_handled;
};

// Chunks of about `max_rows` rows + pushes each (a single user's share is never split).
// Never empty: an outcome with nothing in it gives one empty chunk.
std::vector<OutcomeChunk> splitOutcome(const BatchOutcome& outcome, size_t max_rows);

}  // namespace vapush
