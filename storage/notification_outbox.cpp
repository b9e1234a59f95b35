// SPDX-License-Identifier: Apache-2.0
// The push outbox half of NotificationStore: due pushes, in-flight marks, results and
// expiry (the tick half is notification_store.cpp).
#include "storage/notification_store.h"
#include "storage/push_args.h"

namespace vapush {

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
  // An alert whose messages were all read since the tick planned it (the user read them
  // on another device, or came back, while it waited for a retry, a hold or the
  // dispatcher) is not sent: column 23. The messages are those its batch consumed in its
  // conversation (unread_by_conversation); none left (pruned) sends it as planned.
  Statement& st = db_.prepare(
      "SELECT p.id, p.device, p.user, p.app, p.platform, d.token, p.conversation, p.category, "
      "p.title, p.body, p.badge, p.unread, p.language, p.oldest_message_time, p.batch, "
      "p.attempts, d.enabled, p.kind, d.protocol, d.device_id, p.title_key, p.body_key, "
      "p.body_args, p.kind='alert' AND EXISTS(SELECT 1 FROM unread_message u WHERE "
      "u.user=p.user AND u.conversation=p.conversation AND u.notified_batch=p.batch) AND NOT "
      "EXISTS(SELECT 1 FROM unread_message u WHERE u.user=p.user AND "
      "u.conversation=p.conversation AND u.notified_batch=p.batch AND u.read=0 AND "
      "u.received>=coalesce((SELECT seen_until FROM user_state s WHERE s.user=p.user), 0)) "
      "FROM push p "
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
    if (st.int64(23) != 0) {
      if (dropped != nullptr) {
        dropped->push_back(PushOutcome{st.text(0), RowState::Suppressed,
                                       static_cast<int>(st.int64(15)), 0, "", "read_meanwhile"});
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

}  // namespace vapush
