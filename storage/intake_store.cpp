// SPDX-License-Identifier: Apache-2.0
// Group commit of publishes into device / unread_message.
#include "storage/intake_store.h"

#include "plugin/metrics.h"
#include "storage/sqlite_repositories.h"

namespace vapush {

Status IntakeStore::storeOne(PublishRecord& r) {
  SqliteDeviceRepository devices(db_);
  Status s;
  if (r.device.id == 0) {
    // An fpush device first seen in this batch may already have been added by an
    // earlier record of the same batch.
    Device existing;
    s = devices.findByNode(r.device.node, existing);
    if (s.ok()) {
      r.device.id = existing.id;
      r.device.user = existing.user;
    } else if (s.notFound()) {
      s = devices.add(r.device);
    }
    if (!s.ok()) return s;
  }
  if (r.device.id != 0) {
    Statement& st = db_.prepare("UPDATE device SET last_publish=? WHERE id=?");
    st.reset().bind(1, r.device.last_publish).bind(2, r.device.id).step();
    s = st.status("update device");
  }
  if (!s.ok() || !r.has_message) return s;
  r.message.device_id = r.device.id;
  r.message.user = r.device.user;
  return insertMessage(r.message);
}

Status IntakeStore::storeForwarded(UnreadMessage& m) {
  m.device_id = 0;
  return insertMessage(m);
}

Status IntakeStore::insertMessage(UnreadMessage& m) {
  Status s;
  Statement& dup = db_.prepare(kDedupeLookupSql);
  dup.reset()
      .bind(1, m.user)
      .bind(2, m.conversation)
      .bind(3, m.body)
      .bind(4, m.received - kFanOutWindowMs)
      .bind(5, m.device_id);
  if (dup.step()) {
    m.id = dup.int64(0);  // same message, already stored through another node
    dup.reset();
    return Status::success();
  }
  s = dup.status("dedupe lookup");
  if (!s.ok()) return s;

  Statement& ins = db_.prepare(
      "INSERT INTO unread_message(user, conversation, sender, sender_nick, category, body, "
      "message_time, received, device_id, dedupe_key) VALUES (?,?,?,?,?,?,?,?,?,?)");
  ins.reset()
      .bind(1, m.user)
      .bind(2, m.conversation)
      .bind(3, m.sender)
      .bind(4, m.sender_nick)
      .bind(5, toString(m.category))
      .bind(6, m.body)
      .bind(7, m.message_time)
      .bind(8, m.received)
      .bind(9, m.device_id)
      .bind(10, m.dedupe_key)
      .step();
  s = ins.status("insert unread message");
  if (!s.ok()) return s;
  m.id = sqlite3_last_insert_rowid(db_.handle());
  return dropOverCap(m.user);
}

Status IntakeStore::dropOverCap(const std::string& user) {
  if (max_unread_per_user_ == 0) return Status::success();
  // The partial index unread_open_by_user holds exactly the user's unread messages in
  // time order: skipping the newest `max` costs that many index entries, nothing more.
  Statement& st = db_.prepare(kDropOverCapSql);
  st.reset().bind(1, user).bind(2, static_cast<int64_t>(max_unread_per_user_)).step();
  Status s = st.status("drop unread over the cap");
  if (s.ok()) dropped_uncommitted_ += sqlite3_changes(db_.handle());
  return s;
}

void IntakeStore::endTransaction(bool committed) {
  if (committed && dropped_uncommitted_ > 0) {
    metrics().inc("vapush_unread_dropped_total", {}, static_cast<double>(dropped_uncommitted_));
  }
  dropped_uncommitted_ = 0;
}

Status IntakeStore::store(std::vector<PublishRecord>& records) {
  if (records.empty()) return Status::success();
  Status s = db_.begin();
  if (!s.ok()) return s;
  for (auto& r : records) {
    s = storeOne(r);
    if (!s.ok()) {
      db_.rollback();
      endTransaction(false);
      return s;
    }
  }
  s = db_.commit();
  endTransaction(s.ok());
  return s;
}

}  // namespace vapush
