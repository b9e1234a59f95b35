// SPDX-License-Identifier: Apache-2.0
// Tick snapshot, batch commit and the push outbox.
#include "storage/notification_store.h"

#include "plugin/tick_chunks.h"
#include "storage/sqlite_repositories.h"

namespace vapush {
namespace {

// Runs `fn` inside BEGIN IMMEDIATE ... COMMIT; rolls back when it fails. Inside a
// transaction the caller opened, `fn` just runs as part of it (the caller commits).
template <typename Fn>
Status inTransaction(Database& db, Fn&& fn) {
  if (!sqlite3_get_autocommit(db.handle())) return fn();
  Status s = db.begin();
  if (!s.ok()) return s;
  s = fn();
  if (!s.ok()) {
    db.rollback();
    return s;
  }
  return db.commit();
}

// A push's body arguments in one column, separated by U+001F (unit separator), which
// never occurs in them (they are numbers and names).
std::string joinArgs(const std::vector<std::string>& args) {
  std::string out;
  for (size_t i = 0; i < args.size(); ++i) {
    if (i > 0) out += '\x1f';
    out += args[i];
  }
  return out;
}

std::vector<std::string> splitArgs(const std::string& joined) {
  std::vector<std::string> out;
  if (joined.empty()) return out;
  size_t start = 0;
  for (size_t at; (at = joined.find('\x1f', start)) != std::string::npos; start = at + 1) {
    out.push_back(joined.substr(start, at - start));
  }
  out.push_back(joined.substr(start));
  return out;
}

}  // namespace

Status NotificationStore::loadSnapshot(TimeMs cutoff, size_t limit, TickSnapshot& out) {
  out = TickSnapshot{};
  // One read transaction, so messages, devices and totals agree with each other.
  Status s = db_.exec("BEGIN");
  if (!s.ok()) return s;
  Statement& st = db_.prepare(
      "SELECT id, user, conversation, sender, sender_nick, category, body, message_time, "
      "received, device_id, dedupe_key, read FROM unread_message "
      "WHERE notified_batch=0 AND received<=? ORDER BY received, id LIMIT ?");
  st.reset().bind(1, cutoff).bind(2, static_cast<int64_t>(limit));
  while (st.step()) {
    UnreadMessage m;
    m.id = st.int64(0);
    m.user = st.text(1);
    m.conversation = st.text(2);
    m.sender = st.text(3);
    m.sender_nick = st.text(4);
    m.category = categoryFromString(st.text(5)).value_or(Category::Chat);
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
  Statement& st = db_.prepare("SELECT coalesce(max(id), 0) + 1 FROM batch");
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
      }
      if (s.ok()) s = commitChunk(chunks[i], o.batch, now);
      return s;
    });
    if (!s.ok()) return s;
  }
  return Status::success();
}

Status NotificationStore::commitChunk(const OutcomeChunk& o, int64_t batch, TimeMs now) {
  Status s = Status::success();
  for (const PushRequest* push : o.pushes) {
    const PushRequest& p = *push;
    if (!s.ok()) return s;
    Statement& st = db_.prepare(
        "INSERT OR IGNORE INTO push(id, device, user, app, platform, token, conversation, "
        "category, title, body, badge, unread, language, oldest_message_time, batch, "
        "created, updated, kind, title_key, body_key, body_args) "
        "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
    st.reset()
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
        .bind(19, p.title_key)
        .bind(20, p.body_key)
        .bind(21, joinArgs(p.body_args))
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
        "push_id) VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
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

Status NotificationStore::duePushes(TimeMs now, size_t limit, std::vector<PushRequest>& out,
                                    std::vector<int>& attempts, std::vector<PushOutcome>* dropped) {
  out.clear();
  attempts.clear();
  if (dropped != nullptr) dropped->clear();
  // Walks the partial push_due index (pending, not in flight) in next_attempt order; the
  // per-pair minimum is one lookup in push_pending_pair. In-flight pushes are not read.
  // The token is the device's current one, not the one the push was planned with: a
  // device that re-registered with a new token gets its queued pushes and retries there.
  // The device's protocol and device id pick the payload of a `push_style: wake` app;
  // they never change for a device row (its identity), so they are read, not copied.
  Statement& st = db_.prepare(
      "SELECT p.id, p.device, p.user, p.app, p.platform, d.token, p.conversation, p.category, "
      "p.title, p.body, p.badge, p.unread, p.language, p.oldest_message_time, p.batch, "
      "p.attempts, d.enabled, p.kind, d.protocol, d.device_id, p.title_key, p.body_key, "
      "p.body_args FROM push p "
      "LEFT JOIN device d ON d.id=p.device "
      "WHERE p.state='pending' AND p.in_flight=0 AND p.next_attempt<=? AND p.batch=(SELECT "
      "min(batch) FROM push q WHERE q.device=p.device AND q.conversation=p.conversation AND "
      "q.state='pending') ORDER BY p.next_attempt LIMIT ?");
  st.reset().bind(1, now).bind(2, static_cast<int64_t>(limit));
  while (st.step()) {
    if (st.isNull(16) || st.int64(16) == 0) {
      // Removed or disabled since it was planned: nothing more goes to it.
      if (dropped != nullptr) {
        dropped->push_back(PushOutcome{st.text(0), RowState::Suppressed,
                                       static_cast<int>(st.int64(15)), 0, "",
                                       st.isNull(16) ? "device_removed" : "device_disabled"});
      }
      continue;
    }
    PushRequest p;
    p.id = st.text(0);
    p.device = st.int64(1);
    p.user = st.text(2);
    p.app = st.text(3);
    p.platform = platformFromString(st.text(4)).value_or(Platform::Apns);
    p.token = st.text(5);
    p.conversation = st.text(6);
    p.category = categoryFromString(st.text(7)).value_or(Category::Chat);
    p.title = st.text(8);
    p.body = st.text(9);
    p.badge = static_cast<int>(st.int64(10));
    p.unread = static_cast<int>(st.int64(11));
    p.language = st.text(12);
    p.oldest_message_time = st.int64(13);
    p.batch = st.int64(14);
    attempts.push_back(static_cast<int>(st.int64(15)));
    p.kind = pushKindFromString(st.text(17)).value_or(PushKind::Alert);
    p.protocol = protocolFromString(st.text(18)).value_or(Protocol::Manual);
    p.device_key = st.text(19);
    p.title_key = st.text(20);
    p.body_key = st.text(21);
    p.body_args = splitArgs(st.text(22));
    out.push_back(std::move(p));
  }
  return st.status("due pushes");
}

Status NotificationStore::markInFlight(const std::vector<std::string>& push_ids) {
  if (push_ids.empty()) return Status::success();
  return inTransaction(db_, [&]() -> Status {
    Statement& st = db_.prepare("UPDATE push SET in_flight=1 WHERE id=?");
    for (const auto& id : push_ids) {
      st.reset().bind(1, id).step();
      Status s = st.status("mark in flight");
      if (!s.ok()) return s;
    }
    return Status::success();
  });
}

Status NotificationStore::releaseInFlight() {
  Statement& st = db_.prepare("UPDATE push SET in_flight=0 WHERE in_flight<>0");
  st.reset().step();
  return st.status("release in flight");
}

Status NotificationStore::nextDue(std::optional<TimeMs>& when) {
  Statement& st = db_.prepare(
      "SELECT next_attempt FROM push p WHERE state='pending' AND in_flight=0 AND batch=(SELECT "
      "min(batch) FROM push q WHERE q.device=p.device AND q.conversation=p.conversation AND "
      "q.state='pending') ORDER BY next_attempt LIMIT 1");
  when.reset();
  if (st.reset().step()) when = st.int64(0);
  st.reset();
  return st.status("next due");
}

Status NotificationStore::recordResult(const std::string& push_id, RowState state, int attempts,
                                       TimeMs next_attempt, const std::string& provider_id,
                                       const std::string& error, TimeMs now) {
  return recordResults({PushOutcome{push_id, state, attempts, next_attempt, provider_id, error}},
                       now);
}

Status NotificationStore::recordResults(const std::vector<PushOutcome>& outcomes, TimeMs now) {
  if (outcomes.empty()) return Status::success();
  return inTransaction(db_, [&]() -> Status {
    Statement& p = db_.prepare(
        "UPDATE push SET state=?, attempts=?, next_attempt=?, provider_id=?, last_error=?, "
        "updated=?, in_flight=0 WHERE id=?");
    Statement& r = db_.prepare(
        "UPDATE sys_cs_message_notification SET state=?, attempts=?, provider_id=?, "
        "last_error=?, sys_updated_on=?, sent_on=? WHERE push_id=? AND state='pending'");
    for (const auto& o : outcomes) {
      p.reset()
          .bind(1, toString(o.state))
          .bind(2, int64_t{o.attempts})
          .bind(3, o.next_attempt)
          .bind(4, o.provider_id)
          .bind(5, o.error)
          .bind(6, now)
          .bind(7, o.push_id)
          .step();
      Status s = p.status("update push");
      if (!s.ok()) return s;
      r.reset()
          .bind(1, toString(o.state))
          .bind(2, int64_t{o.attempts})
          .bind(3, o.provider_id)
          .bind(4, o.error)
          .bind(5, now)
          .bind(6, o.state == RowState::Sent ? now : 0)
          .bind(7, o.push_id)
          .step();
      s = r.status("update notification rows");
      if (!s.ok()) return s;
    }
    return Status::success();
  });
}

Status NotificationStore::expireBefore(TimeMs cutoff, TimeMs now, int& expired) {
  expired = 0;
  // A push in flight is left alone until its result is recorded (it may be delivered; and
  // while it is pending, the next batch of its conversation waits behind it).
  return inTransaction(db_, [&]() -> Status {
    Statement& r = db_.prepare(
        "UPDATE sys_cs_message_notification SET state='expired', sys_updated_on=?, "
        "last_error='expired before delivery' WHERE state='pending' AND push_id IN "
        "(SELECT id FROM push WHERE state='pending' AND in_flight=0 AND "
        "oldest_message_time<?)");
    r.reset().bind(1, now).bind(2, cutoff).step();
    Status s = r.status("expire rows");
    if (!s.ok()) return s;
    Statement& p = db_.prepare(
        "UPDATE push SET state='expired', updated=?, last_error='expired before delivery' "
        "WHERE state='pending' AND in_flight=0 AND oldest_message_time<?");
    p.reset().bind(1, now).bind(2, cutoff).step();
    s = p.status("expire pushes");
    expired = sqlite3_changes(db_.handle());
    return s;
  });
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
