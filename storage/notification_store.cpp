// SPDX-License-Identifier: Apache-2.0
// Tick snapshot, batch commit, read marks and pruning (the outbox half is
// notification_outbox.cpp).
#include "storage/notification_store.h"

#include "plugin/message_text.h"
#include "plugin/tick_chunks.h"
#include "storage/push_args.h"
#include "storage/sqlite_repositories.h"

namespace vapush {

Status NotificationStore::loadSnapshot(TimeMs cutoff, size_t limit, TickSnapshot& out) {
  out = TickSnapshot{};
  // One read transaction, so messages, devices and totals agree with each other.
  Status s = db_.exec("BEGIN");
  if (!s.ok()) return s;
  Statement& st = db_.prepare(
      "SELECT id, user, conversation, sender, sender_nick, category, "
      "CASE WHEN body=?3 THEN body ELSE '' END, message_time, "
      "received, device_id, dedupe_key, read FROM unread_message "
      "WHERE notified_batch=0 AND received<=?1 ORDER BY received, id LIMIT ?2");
  st.reset().bind(1, cutoff).bind(2, static_cast<int64_t>(limit)).bind(3, kEncryptedMessageText);
  while (st.step()) {
    UnreadMessage m;
    m.id = st.int64(0);
    m.user = st.text(1);
    m.conversation = st.text(2);
    m.sender = st.text(3);
    m.sender_nick = st.text(4);
    m.category = categoryFromString(st.text(5)).value_or(Category::Chat);
    // No body (tick.h) but the encrypted-message marker: bodies of pushed messages are read
    // at commit, by id.
    m.body = st.text(6);
    m.message_time = st.int64(7);
    m.received = st.int64(8);
    m.device_id = st.int64(9);
    m.dedupe_key = st.text(10);
    m.read = st.int64(11) != 0;
    m.came_back = st.int64(11) == kReadCameBack;
    out.messages.push_back(std::move(m));
  }
  s = st.status("load unread messages");
  // Users whose messages became read since an earlier tick: badge update candidates.
  Statement& changed =
      db_.prepare("SELECT user, read_changed FROM user_state WHERE read_changed<>0 LIMIT ?");
  changed.reset().bind(1, static_cast<int64_t>(limit));
  while (s.ok() && changed.step()) out.read_changed[changed.text(0)] = changed.int64(1);
  if (s.ok()) s = changed.status("load read changes");
  std::vector<std::string> users;
  for (const auto& m : out.messages) users.push_back(m.user);
  for (const auto& [user, version] : out.read_changed) users.push_back(user);
  SqliteDeviceRepository devices(db_);
  SqlitePreferencesRepository preferences(db_);
  Statement& seen = db_.prepare("SELECT seen_until FROM user_state WHERE user=?");
  // Not read: neither marked nor received before the user last came back.
  Statement& unread = db_.prepare(
      "SELECT conversation, count(*) FROM unread_message WHERE user=? AND read=0 AND "
      "received>=? GROUP BY conversation");
  for (const auto& user : users) {
    if (!s.ok()) break;
    if (out.devices.count(user)) continue;
    s = devices.listByUser(user, out.devices[user]);
    if (s.ok()) s = preferences.load(user, out.preferences[user]);
    if (!s.ok()) break;
    const TimeMs seen_until = seen.reset().bind(1, user).step() ? seen.int64(0) : 0;
    s = seen.status("load seen");
    seen.reset();
    if (seen_until > 0) out.seen_until[user] = seen_until;
    unread.reset().bind(1, user).bind(2, seen_until);
    int total = 0;
    while (s.ok() && unread.step()) {
      const int n = static_cast<int>(unread.int64(1));
      out.conversation_unread[{user, unread.text(0)}] = n;
      total += n;
    }
    if (s.ok()) s = unread.status("count unread");
    unread.reset();
    out.unread_totals[user] = total;
  }
  db_.exec("COMMIT");
  return s;
}

Status NotificationStore::nextBatchId(int64_t& id) {
  // The counter survives pruning (migration 5); `batch` itself only guards a counter
  // that is somehow behind.
  Statement& st = db_.prepare(
      "SELECT max(coalesce((SELECT last FROM sequence WHERE name='batch'), 0), "
      "coalesce((SELECT max(id) FROM batch), 0)) + 1");
  id = st.reset().step() ? st.int64(0) : 1;
  st.reset();
  return st.status("next batch id");
}

Status NotificationStore::commitBatch(const BatchOutcome& o, TimeMs now) {
  // One transaction per chunk (tick_chunks.h): the write lock is released between them.
  const std::vector<OutcomeChunk> chunks = splitOutcome(o, commit_chunk_rows_);
  for (size_t i = 0; i < chunks.size(); ++i) {
    Status s = inTransaction(db_, [&]() -> Status {
      Status s = Status::success();
      if (i == 0) {
        Statement& batch = db_.prepare(
            "INSERT INTO batch(id, started, finished, rows, pushes) VALUES (?,?,?,?,?)");
        batch.reset()
            .bind(1, o.batch)
            .bind(2, o.started)
            .bind(3, now)
            .bind(4, static_cast<int64_t>(o.rows.size()))
            .bind(5, static_cast<int64_t>(o.pushes.size()))
            .step();
        s = batch.status("insert batch");
        if (s.ok()) {
          Statement& seq = db_.prepare(
              "INSERT INTO sequence(name, last) VALUES ('batch', ?) "
              "ON CONFLICT(name) DO UPDATE SET last=max(last, excluded.last)");
          seq.reset().bind(1, o.batch).step();
          s = seq.status("advance batch sequence");
        }
      }
      if (s.ok()) s = commitChunk(chunks[i], o, now);
      return s;
    });
    if (!s.ok()) return s;
  }
  return Status::success();
}

Status NotificationStore::commitChunk(const OutcomeChunk& o, const BatchOutcome& outcome,
                                      TimeMs now) {
  const int64_t batch = outcome.batch;
  Status s = Status::success();
  for (const PushRequest* push : o.pushes) {
    const PushRequest& p = *push;
    if (!s.ok()) return s;
    // ?19: the message whose stored body the push shows (0: none, keep ?10).
    Statement& st = db_.prepare(
        "INSERT OR IGNORE INTO push(id, device, user, app, platform, token, conversation, "
        "category, title, body, badge, unread, language, oldest_message_time, batch, "
        "created, updated, kind, title_key, body_key, body_args) VALUES (?1,?2,?3,?4,?5,?6,?7,"
        "?8,?9,coalesce(nullif((SELECT body FROM unread_message WHERE id=?19), ''), ?10),"
        "?11,?12,?13,?14,?15,?16,?17,?18,?20,"
        "CASE WHEN nullif((SELECT body FROM unread_message WHERE id=?19), '') IS NULL "
        "THEN ?21 ELSE '' END,"
        "CASE WHEN nullif((SELECT body FROM unread_message WHERE id=?19), '') IS NULL "
        "THEN ?22 ELSE '' END)");
    const auto preview = outcome.preview_message.find(p.id);
    st.reset()
        .bind(19, preview == outcome.preview_message.end() ? int64_t{0} : preview->second)
        .bind(1, p.id)
        .bind(2, p.device)
        .bind(3, p.user)
        .bind(4, p.app)
        .bind(5, toString(p.platform))
        .bind(6, p.token)
        .bind(7, p.conversation)
        .bind(8, toString(p.category))
        .bind(9, p.title)
        .bind(10, p.body)
        .bind(11, int64_t{p.badge})
        .bind(12, int64_t{p.unread})
        .bind(13, p.language)
        .bind(14, p.oldest_message_time)
        .bind(15, p.batch)
        .bind(16, now)
        .bind(17, now)
        .bind(18, toString(p.kind))
        .bind(20, p.title_key)
        .bind(21, p.body_key)
        .bind(22, joinArgs(p.body_args))
        .step();
    s = st.status("insert push");
  }
  for (const NotificationRow* row : o.rows) {
    const NotificationRow& r = *row;
    if (!s.ok()) return s;
    Statement& st = db_.prepare(
        "INSERT OR IGNORE INTO sys_cs_message_notification(sys_id, user, device, "
        "conversation, sender, category, body, message_time, batch, state, attempts, "
        "last_error, provider_id, sys_created_on, sys_updated_on, sent_on, message_id, "
        "push_id) VALUES (?1,?2,?3,?4,?5,?6,"
        "CASE WHEN ?7='' THEN coalesce((SELECT body FROM unread_message WHERE id=?17), '') "
        "ELSE ?7 END,?8,?9,?10,?11,?12,?13,?14,?15,?16,?17,?18)");
    st.reset()
        .bind(1, r.sys_id)
        .bind(2, r.user)
        .bind(3, r.device)
        .bind(4, r.conversation)
        .bind(5, r.sender)
        .bind(6, toString(r.category))
        .bind(7, r.body)
        .bind(8, r.message_time)
        .bind(9, r.batch)
        .bind(10, toString(r.state))
        .bind(11, int64_t{r.attempts})
        .bind(12, r.last_error)
        .bind(13, r.provider_id)
        .bind(14, now)
        .bind(15, now)
        .bind(16, r.sent_on)
        .bind(17, r.message_id)
        .bind(18, r.push_id)
        .step();
    s = st.status("insert notification row");
  }
  for (const int64_t id : o.consumed) {
    if (!s.ok()) return s;
    Statement& st =
        db_.prepare("UPDATE unread_message SET notified_batch=? WHERE id=? AND notified_batch=0");
    st.reset().bind(1, batch).bind(2, id).step();
    s = st.status("mark notified");
  }
  for (const auto& [device, badge] : o.device_badges) {
    if (!s.ok()) return s;
    Statement& st = db_.prepare("UPDATE device SET badge=? WHERE id=?");
    st.reset().bind(1, int64_t{badge}).bind(2, device).step();
    s = st.status("record device badge");
  }
  for (const auto& [user, version] : o.read_handled) {
    if (!s.ok()) return s;
    // A read mark after the snapshot moved the counter on: the next tick looks again.
    Statement& st =
        db_.prepare("UPDATE user_state SET read_changed=0 WHERE user=? AND read_changed=?");
    st.reset().bind(1, user).bind(2, version).step();
    s = st.status("clear read change");
  }
  return s;
}

Status NotificationStore::markRead(const std::string& user, const std::string& conversation,
                                   TimeMs until) {
  return inTransaction(db_, [&]() -> Status {
    Statement& st = db_.prepare(
        "UPDATE unread_message SET read=? WHERE user=? AND (?='' OR conversation=?) AND "
        "message_time<=? AND read=0");
    st.reset()
        .bind(1, kReadSignal)
        .bind(2, user)
        .bind(3, conversation)
        .bind(4, conversation)
        .bind(5, until)
        .step();
    Status s = st.status("mark read");
    if (s.ok() && sqlite3_changes(db_.handle()) > 0) s = noteReadChange(user, 0);
    return s;
  });
}

Status NotificationStore::markSeen(const std::string& user, TimeMs until, bool& changed) {
  std::map<std::string, TimeMs> one{{user, until}};
  size_t n = 0;
  Status s = markSeen(one, n);
  changed = n > 0;
  return s;
}

Status NotificationStore::markSeen(const std::map<std::string, TimeMs>& users, size_t& changed) {
  changed = 0;
  if (users.empty()) return Status::success();
  return inTransaction(db_, [&]() -> Status {
    Statement& has = db_.prepare("SELECT 1 FROM device WHERE user=? LIMIT 1");
    Statement& st =
        db_.prepare("UPDATE unread_message SET read=? WHERE user=? AND received<? AND read=0");
    for (const auto& [user, until] : users) {
      // Users without a device are never pushed: nothing to remember for them.
      const bool registered = has.reset().bind(1, user).step();
      Status s = has.status("device lookup");
      has.reset();
      if (!s.ok()) return s;
      if (!registered) continue;
      st.reset().bind(1, kReadCameBack).bind(2, user).bind(3, until).step();
      s = st.status("mark seen");
      if (!s.ok()) return s;
      const bool marked = sqlite3_changes(db_.handle()) > 0;
      changed += marked ? 1 : 0;
      s = noteReadChange(user, until, marked);
      if (!s.ok()) return s;
    }
    return Status::success();
  });
}

Status NotificationStore::noteReadChange(const std::string& user, TimeMs seen_until, bool changed) {
  Statement& st = db_.prepare(
      "INSERT INTO user_state(user, seen_until, read_changed) VALUES (?,?,?) "
      "ON CONFLICT(user) DO UPDATE SET seen_until=max(seen_until, excluded.seen_until), "
      "read_changed=read_changed+excluded.read_changed");
  st.reset().bind(1, user).bind(2, seen_until).bind(3, int64_t{changed ? 1 : 0}).step();
  return st.status("note read change");
}

Status NotificationStore::prune(TimeMs cutoff, int& deleted) {
  deleted = 0;
  return inTransaction(db_, [&]() -> Status {
    const char* statements[] = {
        "DELETE FROM sys_cs_message_notification WHERE state<>'pending' AND sys_updated_on<?",
        "DELETE FROM push WHERE state<>'pending' AND updated<?",
        "DELETE FROM unread_message WHERE (notified_batch<>0 OR read=1) AND received<?",
        "DELETE FROM batch WHERE finished<?",
        // Messages received before seen_until are gone by now: the moment says nothing.
        "DELETE FROM user_state WHERE read_changed=0 AND seen_until<?",
    };
    for (const char* sql : statements) {
      Statement& st = db_.prepare(sql);
      st.reset().bind(1, cutoff).step();
      Status s = st.status("prune");
      if (!s.ok()) return s;
      deleted += sqlite3_changes(db_.handle());
    }
    return Status::success();
  });
}

Status NotificationStore::backlog(int64_t& count) {
  Statement& st = db_.prepare("SELECT count(*) FROM unread_message WHERE notified_batch=0");
  count = st.reset().step() ? st.int64(0) : 0;
  st.reset();
  return st.status("backlog");
}

}  // namespace vapush
