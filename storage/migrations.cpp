// SPDX-License-Identifier: Apache-2.0
// The schema, as numbered migrations. Never edit a shipped migration: add a new one.
#include "storage/migrations.h"

#include <algorithm>

#include "storage/database.h"

namespace vapush {
namespace {

// Index i upgrades version i to version i + 1. Times are ms since the epoch (UTC).
constexpr const char* kMigrations[] = {
    // 0 -> 1: initial schema.
    R"sql(
CREATE TABLE device(
  id            INTEGER PRIMARY KEY,
  user          TEXT NOT NULL,
  app           TEXT NOT NULL,
  platform      TEXT NOT NULL CHECK (platform IN ('apns','fcm')),
  token         TEXT NOT NULL,
  node          TEXT NOT NULL UNIQUE,
  secret_hash   TEXT NOT NULL DEFAULT '',
  resource      TEXT NOT NULL DEFAULT '',
  device_id     TEXT NOT NULL DEFAULT '',
  language      TEXT NOT NULL DEFAULT '',
  protocol      TEXT NOT NULL,
  enabled       INTEGER NOT NULL DEFAULT 1,
  created       INTEGER NOT NULL,
  updated       INTEGER NOT NULL,
  last_publish  INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX device_by_user ON device(user);
CREATE INDEX device_by_token ON device(app, token);

CREATE TABLE preferences(
  user          TEXT PRIMARY KEY,
  virtual_agent INTEGER NOT NULL DEFAULT 1,
  live_agent    INTEGER NOT NULL DEFAULT 1,
  chat          INTEGER NOT NULL DEFAULT 1,
  preview       INTEGER NOT NULL DEFAULT 1,
  quiet_start   INTEGER,
  quiet_end     INTEGER,
  quiet_tz      TEXT,
  updated       INTEGER NOT NULL
);
CREATE TABLE mute(
  user   TEXT NOT NULL,
  peer   TEXT NOT NULL,
  until  INTEGER NOT NULL,
  PRIMARY KEY (user, peer)
);

CREATE TABLE unread_message(
  id             INTEGER PRIMARY KEY,
  user           TEXT NOT NULL,
  conversation   TEXT NOT NULL,
  sender         TEXT NOT NULL DEFAULT '',
  sender_nick    TEXT NOT NULL DEFAULT '',
  category       TEXT NOT NULL,
  body           TEXT NOT NULL DEFAULT '',
  message_time   INTEGER NOT NULL,
  received       INTEGER NOT NULL,
  device_id      INTEGER NOT NULL DEFAULT 0,
  dedupe_key     TEXT NOT NULL DEFAULT '',
  read           INTEGER NOT NULL DEFAULT 0,
  notified_batch INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX unread_by_batch ON unread_message(notified_batch, received);
CREATE INDEX unread_by_user ON unread_message(user, conversation);

CREATE TABLE batch(
  id        INTEGER PRIMARY KEY,
  started   INTEGER NOT NULL,
  finished  INTEGER NOT NULL DEFAULT 0,
  rows      INTEGER NOT NULL DEFAULT 0,
  pushes    INTEGER NOT NULL DEFAULT 0
);

CREATE TABLE sys_cs_message_notification(
  sys_id          TEXT PRIMARY KEY CHECK (length(sys_id) = 32),
  user            TEXT NOT NULL,
  device          INTEGER NOT NULL,
  conversation    TEXT NOT NULL,
  sender          TEXT NOT NULL DEFAULT '',
  category        TEXT NOT NULL CHECK (category IN ('virtual_agent','live_agent','chat')),
  body            TEXT NOT NULL DEFAULT '',
  message_time    INTEGER NOT NULL,
  batch           INTEGER NOT NULL,
  state           TEXT NOT NULL
                  CHECK (state IN ('pending','sent','failed','suppressed','expired')),
  attempts        INTEGER NOT NULL DEFAULT 0,
  last_error      TEXT NOT NULL DEFAULT '',
  provider_id     TEXT NOT NULL DEFAULT '',
  sys_created_on  INTEGER NOT NULL,
  sys_updated_on  INTEGER NOT NULL,
  sent_on         INTEGER NOT NULL DEFAULT 0,
  message_id      INTEGER NOT NULL,
  push_id         TEXT NOT NULL DEFAULT '',
  next_attempt    INTEGER NOT NULL DEFAULT 0,
  UNIQUE (message_id, device)
);
CREATE INDEX notification_by_state ON sys_cs_message_notification(state, next_attempt);
CREATE INDEX notification_by_push ON sys_cs_message_notification(push_id);
CREATE INDEX notification_by_user ON sys_cs_message_notification(user, sys_created_on);
)sql",
    // 1 -> 2: the push outbox. One row per push (device x conversation x batch); the
    // notification rows of a push point at it through push_id. Retries and restarts
    // work from here, so a push is rebuilt exactly as it was planned.
    R"sql(
CREATE TABLE push(
  id                  TEXT PRIMARY KEY CHECK (length(id) = 32),
  device              INTEGER NOT NULL,
  user                TEXT NOT NULL,
  app                 TEXT NOT NULL,
  platform            TEXT NOT NULL,
  token               TEXT NOT NULL,
  conversation        TEXT NOT NULL,
  category            TEXT NOT NULL,
  title               TEXT NOT NULL,
  body                TEXT NOT NULL,
  badge               INTEGER NOT NULL,
  unread              INTEGER NOT NULL,
  language            TEXT NOT NULL DEFAULT '',
  oldest_message_time INTEGER NOT NULL,
  batch               INTEGER NOT NULL,
  state               TEXT NOT NULL DEFAULT 'pending'
                      CHECK (state IN ('pending','sent','failed','suppressed','expired')),
  attempts            INTEGER NOT NULL DEFAULT 0,
  next_attempt        INTEGER NOT NULL DEFAULT 0,
  last_error          TEXT NOT NULL DEFAULT '',
  provider_id         TEXT NOT NULL DEFAULT '',
  created             INTEGER NOT NULL,
  updated             INTEGER NOT NULL
);
CREATE INDEX push_due ON push(state, next_attempt);
CREATE INDEX push_by_pair ON push(device, conversation, batch);
)sql",
    // 2 -> 3: pushes handed to the push engine are marked in_flight, so the dispatcher
    // reads only what it has not handed over yet (the scan no longer grows with the
    // number of pushes in flight). A new process voids the marks (Scheduler start).
    // Both outbox indexes become partial: only pending pushes are ever looked up there.
    R"sql(
ALTER TABLE push ADD COLUMN in_flight INTEGER NOT NULL DEFAULT 0;
DROP INDEX push_due;
DROP INDEX push_by_pair;
CREATE INDEX push_due ON push(next_attempt) WHERE state='pending' AND in_flight=0;
CREATE INDEX push_pending_pair ON push(device, conversation, batch) WHERE state='pending';
)sql",
    // 3 -> 4: unread truth. user_state keeps, per user, the last moment a resource came
    // back into use (messages received before it were delivered to an open client, so
    // they are read) and a counter bumped whenever some of the user's messages became
    // read (the tick then checks the user's devices for a badge that is too high; the
    // partial index finds those users without a scan). device.badge is the badge last
    // planned for the device; push.kind tells alert pushes from silent badge updates.
    // unread_message.read: 0 unread, 1 read signal (marker, reply), 2 came back.
    R"sql(
CREATE TABLE user_state(
  user         TEXT PRIMARY KEY,
  seen_until   INTEGER NOT NULL DEFAULT 0,
  read_changed INTEGER NOT NULL DEFAULT 0
);
CREATE INDEX user_state_read_changed ON user_state(user) WHERE read_changed<>0;
ALTER TABLE device ADD COLUMN badge INTEGER NOT NULL DEFAULT 0;
ALTER TABLE push ADD COLUMN kind TEXT NOT NULL DEFAULT 'alert' CHECK (kind IN ('alert','badge'));
-- The fan-out/copy dedupe looks up (user, conversation) from `received` on: with the
-- time in the index that is a range scan, not every message of the conversation. The
-- old (user, conversation) index is its prefix and goes.
DROP INDEX unread_by_user;
CREATE INDEX unread_by_conversation ON unread_message(user, conversation, received);
)sql",
    // 4 -> 5: bounds.
    // Batch ids come from a counter that survives pruning (nextBatchId was max(id) + 1
    // over `batch`, so after a purge ids restarted and a new batch could sort before a
    // pending push of an older one). It starts above every batch id still referenced.
    // unread_open_by_user finds a user's unread messages oldest first, in the index
    // alone (`read` is in it so SQLite sees it as covering), for the per-user cap
    // (limits.max_unread_per_user): messages dropped at the
    // cap get read=3, and notified_batch=-1 if no tick had consumed them yet, so they
    // leave every count and snapshot and are pruned like notified ones.
    R"sql(
CREATE TABLE sequence(
  name TEXT PRIMARY KEY,
  last INTEGER NOT NULL
) WITHOUT ROWID;
INSERT INTO sequence(name, last) SELECT 'batch', max(
  (SELECT coalesce(max(id), 0) FROM batch),
  (SELECT coalesce(max(batch), 0) FROM push),
  (SELECT coalesce(max(batch), 0) FROM sys_cs_message_notification),
  (SELECT coalesce(max(notified_batch), 0) FROM unread_message));
CREATE INDEX unread_open_by_user ON unread_message(user, received, read) WHERE read=0;
)sql",
    // 5 -> 6: languages (plugin/localizer.h). preferences.language is the user's language
    // for devices registered without one; a push keeps the catalog keys its title and
    // body came from and the body's arguments (unit-separated), for `localize: device`.
    R"sql(
ALTER TABLE preferences ADD COLUMN language TEXT NOT NULL DEFAULT '';
ALTER TABLE push ADD COLUMN title_key TEXT NOT NULL DEFAULT '';
ALTER TABLE push ADD COLUMN body_key TEXT NOT NULL DEFAULT '';
ALTER TABLE push ADD COLUMN body_args TEXT NOT NULL DEFAULT '';
)sql",
};

constexpr int kCount = static_cast<int>(sizeof(kMigrations) / sizeof(kMigrations[0]));
static_assert(kCount == Database::kSchemaVersion, "one migration per schema version");

}  // namespace

bool migrate(Database& db, std::string& error, int target_version) {
  const int version = db.schemaVersion();
  if (version < 0) {
    error = "cannot read schema version (not an SQLite database?)";
    return false;
  }
  if (version > kCount) {
    error = "database schema version " + std::to_string(version) +
            " is newer than this vapush supports (" + std::to_string(kCount) +
            "); refusing to touch it — run a newer vapush or restore a backup";
    return false;
  }
  for (int v = version; v < std::min(kCount, target_version); ++v) {
    Status s = db.begin();
    if (s.ok()) s = db.exec(kMigrations[v]);
    if (s.ok()) s = db.exec("PRAGMA user_version = " + std::to_string(v + 1));
    if (s.ok()) s = db.commit();
    if (!s.ok()) {
      db.rollback();
      error = "migration to schema version " + std::to_string(v + 1) + " failed: " + s.message;
      return false;
    }
  }
  return true;
}

}  // namespace vapush
