// SPDX-License-Identifier: Apache-2.0
// The batch tick's storage: reads what a tick needs (unread messages, devices,
// preferences, badges) and writes its outcome (sys_cs_message_notification rows and the
// push outbox) in one transaction; then serves due pushes to the dispatcher and records
// each push's result on the push and on its rows.
//
// One instance per thread, on that thread's Database.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "plugin/model.h"
#include "plugin/repositories.h"
#include "plugin/tick.h"
#include "plugin/tick_chunks.h"
#include "storage/database.h"

namespace vapush {

// What became of one push attempt (see recordResults).
struct PushOutcome {
  std::string push_id;
  RowState state = RowState::Failed;
  int attempts = 0;
  TimeMs next_attempt = 0;  // with state Pending: when to try again
  std::string provider_id;
  std::string error;
};

class NotificationStore {
 public:
  explicit NotificationStore(Database& db) : db_(db) {}

  // Messages received at or before `cutoff` and not yet notified (at most `limit`), with
  // their users' devices, preferences and unread totals. Without bodies: commitBatch
  // reads the bodies of what is pushed (TickSnapshot::messages).
  Status loadSnapshot(TimeMs cutoff, size_t limit, TickSnapshot& out);
  // Next batch id: one more than any batch ever committed, also after prune() deleted
  // the batch rows (a persistent counter). Ids are only taken when commitBatch writes
  // the batch record (its first chunk).
  Status nextBatchId(int64_t& id);
  // Writes rows, pushes, the consumed marks, device badges and read-change marks, plus
  // the batch record, in chunks of about commitChunkRows() rows + pushes, one
  // transaction each, every chunk self-contained (plugin/tick_chunks.h), so a publish
  // never waits long behind a big tick. A row for a (message, device) pair that already
  // has one is skipped, so a tick redone after a crash never duplicates rows. After a
  // failure the chunks before it stay written; the rest is planned again next tick.
  Status commitBatch(const BatchOutcome& outcome, TimeMs now);
  size_t commitChunkRows() const { return commit_chunk_rows_; }
  void setCommitChunkRows(size_t rows) { commit_chunk_rows_ = rows < 1 ? 1 : rows; }
  // bench_tick reports the longest chunk (longest_chunk_ms).
  static constexpr size_t kDefaultCommitChunkRows = 2'000;

  // Pending pushes whose next attempt is due and that are not in flight, oldest first, at
  // most one per (device, conversation) and only that pair's oldest pending batch, so
  // batch N+1 of a conversation never overtakes batch N (in flight or waiting to retry).
  // Each push carries its device's current token. Pushes whose device was removed or
  // disabled are not returned but listed in `dropped` (state Suppressed, error
  // device_removed / device_disabled) for the caller to record.
  Status duePushes(TimeMs now, size_t limit, std::vector<PushRequest>& out,
                   std::vector<int>& attempts, std::vector<PushOutcome>* dropped = nullptr);
  // Marks pushes as handed to the push engine: duePushes() skips them until their result
  // is recorded or releaseInFlight() is called. All or nothing.
  Status markInFlight(const std::vector<std::string>& push_ids);
  // Voids every in-flight mark (a new process: nothing is in flight any more).
  Status releaseInFlight();
  // Earliest next_attempt of a push that duePushes() could return (0 = due at once), or
  // nullopt if there is none.
  Status nextDue(std::optional<TimeMs>& when);
  // Records a push's outcome on the push and on every row that travels in it. `state`
  // Pending with `next_attempt` schedules a retry.
  Status recordResult(const std::string& push_id, RowState state, int attempts, TimeMs next_attempt,
                      const std::string& provider_id, const std::string& error, TimeMs now);
  // Several outcomes in one transaction (one disk sync for a whole round of results).
  // All or nothing.
  Status recordResults(const std::vector<PushOutcome>& outcomes, TimeMs now);
  // Marks the pending pushes (and rows) of messages older than `cutoff` expired.
  Status expireBefore(TimeMs cutoff, TimeMs now, int& expired);
  // Marks a user's messages read (all conversations if `conversation` is empty) up to
  // `until`; their unnotified messages will be suppressed as read elsewhere, and the
  // next tick checks the user's devices for a badge update.
  Status markRead(const std::string& user, const std::string& conversation, TimeMs until);
  // A resource of `user` came back into use at `until` (read_rules.h): remembers the
  // moment and marks every message received before it read. Does nothing for users
  // without a device. `changed`: some message became read.
  Status markSeen(const std::string& user, TimeMs until, bool& changed);
  // The same for many users in one transaction (a receive pass, Prosody's replay at
  // connect); `changed` counts the users some of whose messages became read.
  Status markSeen(const std::map<std::string, TimeMs>& users, size_t& changed);
  // unread_message.read values.
  static constexpr int64_t kReadSignal = 1;    // forwarded read signal (marker, reply)
  static constexpr int64_t kReadCameBack = 2;  // the user came back after it arrived
  // Deletes notified/read messages, finished pushes and rows older than `cutoff`.
  Status prune(TimeMs cutoff, int& deleted);
  // Unread backlog (messages not yet notified), for metrics.
  Status backlog(int64_t& count);

 private:
  // Upserts user_state: seen_until at least `seen_until`; read_changed bumped if `changed`.
  Status noteReadChange(const std::string& user, TimeMs seen_until, bool changed = true);
  // One chunk of `outcome`, in a transaction; push and row bodies of messages the
  // snapshot left out are read here by id (tick.h).
  Status commitChunk(const OutcomeChunk& chunk, const BatchOutcome& outcome, TimeMs now);
  Database& db_;
  size_t commit_chunk_rows_ = kDefaultCommitChunkRows;
};

}  // namespace vapush
