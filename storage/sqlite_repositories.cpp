// SPDX-License-Identifier: Apache-2.0
// SQLite device and preferences repositories.
#include "storage/sqlite_repositories.h"

namespace vapush {
namespace {

constexpr const char* kDeviceColumns =
    "id, user, app, platform, token, node, secret_hash, resource, device_id, language, "
    "protocol, enabled, created, updated, last_publish, badge";

Device readDevice(const Statement& st) {
  Device d;
  d.id = st.int64(0);
  d.user = st.text(1);
  d.app = st.text(2);
  d.platform = platformFromString(st.text(3)).value_or(Platform::Apns);
  d.token = st.text(4);
  d.node = st.text(5);
  d.secret_hash = st.text(6);
  d.resource = st.text(7);
  d.device_id = st.text(8);
  d.language = st.text(9);
  d.protocol = protocolFromString(st.text(10)).value_or(Protocol::Manual);
  d.enabled = st.int64(11) != 0;
  d.created = st.int64(12);
  d.updated = st.int64(13);
  d.last_publish = st.int64(14);
  d.badge = static_cast<int>(st.int64(15));  // written by the tick only (not bindDevice)
  return d;
}

// Binds columns 1..14 (everything but id) in kDeviceColumns order.
Statement& bindDevice(Statement& st, const Device& d) {
  return st.bind(1, d.user)
      .bind(2, d.app)
      .bind(3, toString(d.platform))
      .bind(4, d.token)
      .bind(5, d.node)
      .bind(6, d.secret_hash)
      .bind(7, d.resource)
      .bind(8, d.device_id)
      .bind(9, d.language)
      .bind(10, toString(d.protocol))
      .bind(11, int64_t{d.enabled ? 1 : 0})
      .bind(12, d.created)
      .bind(13, d.updated)
      .bind(14, d.last_publish);
}

std::string select(const char* where) {
  return std::string("SELECT ") + kDeviceColumns + " FROM device WHERE " + where;
}

}  // namespace

Status cancelPendingPushes(Database& db, int64_t device, std::string_view reason, TimeMs at) {
  // Rows first: their push's in_flight mark tells which ones to leave to a result.
  Statement& rows = db.prepare(
      "UPDATE sys_cs_message_notification SET state='suppressed', last_error=?, "
      "sys_updated_on=? WHERE device=? AND state='pending' AND push_id NOT IN "
      "(SELECT id FROM push WHERE device=? AND state='pending' AND in_flight<>0)");
  rows.reset().bind(1, reason).bind(2, at).bind(3, device).bind(4, device).step();
  Status s = rows.status("cancel notification rows");
  if (!s.ok()) return s;
  Statement& pushes = db.prepare(
      "UPDATE push SET state='suppressed', last_error=?, updated=? WHERE device=? AND "
      "state='pending' AND in_flight=0");
  pushes.reset().bind(1, reason).bind(2, at).bind(3, device).step();
  return pushes.status("cancel pushes");
}

Status SqliteDeviceRepository::findOne(Statement& st, Device& out) {
  if (st.step()) {
    out = readDevice(st);
    st.reset();
    return Status::success();
  }
  Status s = st.status("device lookup");
  return s.ok() ? Status::notFoundError("no such device") : s;
}

Status SqliteDeviceRepository::add(Device& d) {
  Statement& st = db_.prepare(
      "INSERT INTO device(user, app, platform, token, node, secret_hash, resource, device_id, "
      "language, protocol, enabled, created, updated, last_publish) "
      "VALUES (?,?,?,?,?,?,?,?,?,?,?,?,?,?)");
  bindDevice(st.reset(), d).step();
  Status s = st.status("insert device");
  if (s.ok()) d.id = sqlite3_last_insert_rowid(db_.handle());
  return s;
}

Status SqliteDeviceRepository::update(const Device& d) {
  Statement& st = db_.prepare(
      "UPDATE device SET user=?, app=?, platform=?, token=?, node=?, secret_hash=?, resource=?, "
      "device_id=?, language=?, protocol=?, enabled=?, created=?, updated=?, last_publish=? "
      "WHERE id=?");
  bindDevice(st.reset(), d).bind(15, d.id).step();
  Status s = st.status("update device");
  if (s.ok() && sqlite3_changes(db_.handle()) == 0) return Status::notFoundError("no such device");
  return s;
}

Status SqliteDeviceRepository::remove(int64_t id, TimeMs at) {
  // The device and its pending pushes go together: a removed (sold, wiped) phone must
  // not get the previews that were queued for it. Pushes in flight are left to their
  // result (they may already be delivered); a retry is dropped at dispatch.
  Status s = db_.begin();
  if (!s.ok()) return s;
  Statement& st = db_.prepare("DELETE FROM device WHERE id=?");
  st.reset().bind(1, id).step();
  s = st.status("delete device");
  if (s.ok() && sqlite3_changes(db_.handle()) == 0) s = Status::notFoundError("no such device");
  if (s.ok()) s = cancelPendingPushes(db_, id, kDeviceRemoved, at);
  if (!s.ok()) {
    db_.rollback();
    return s;
  }
  return db_.commit();
}

Status SqliteDeviceRepository::purgeDisabled(TimeMs cutoff, int& deleted) {
  deleted = 0;
  Statement& st = db_.prepare(
      "DELETE FROM device WHERE enabled=0 AND updated<? AND NOT EXISTS "
      "(SELECT 1 FROM push WHERE push.device=device.id AND push.state='pending')");
  st.reset().bind(1, cutoff).step();
  Status s = st.status("purge devices");
  if (s.ok()) deleted = sqlite3_changes(db_.handle());
  return s;
}

Status SqliteDeviceRepository::findById(int64_t id, Device& out) {
  Statement& st = db_.prepare(select("id=?"));
  return findOne(st.reset().bind(1, id), out);
}

Status SqliteDeviceRepository::findByNode(std::string_view node, Device& out) {
  Statement& st = db_.prepare(select("node=?"));
  return findOne(st.reset().bind(1, node), out);
}

Status SqliteDeviceRepository::findByDeviceId(std::string_view user, std::string_view app,
                                              std::string_view device_id, Device& out) {
  Statement& st = db_.prepare(select("user=? AND app=? AND device_id=? ORDER BY id LIMIT 1"));
  return findOne(st.reset().bind(1, user).bind(2, app).bind(3, device_id), out);
}

Status SqliteDeviceRepository::findByToken(std::string_view app, std::string_view token,
                                           Device& out) {
  Statement& st = db_.prepare(select("app=? AND token=? ORDER BY id LIMIT 1"));
  return findOne(st.reset().bind(1, app).bind(2, token), out);
}

Status SqliteDeviceRepository::listByUser(std::string_view user, std::vector<Device>& out) {
  out.clear();
  Statement& st = db_.prepare(select("user=? ORDER BY created, id"));
  st.reset().bind(1, user);
  while (st.step()) out.push_back(readDevice(st));
  return st.status("list devices");
}

Status SqliteDeviceRepository::setEnabled(int64_t id, bool enabled, TimeMs at) {
  Statement& st = db_.prepare("UPDATE device SET enabled=?, updated=? WHERE id=?");
  st.reset().bind(1, int64_t{enabled ? 1 : 0}).bind(2, at).bind(3, id).step();
  Status s = st.status("update device");
  if (s.ok() && sqlite3_changes(db_.handle()) == 0) return Status::notFoundError("no such device");
  return s;
}

Status SqliteDeviceRepository::disableToken(int64_t id, std::string_view token, TimeMs at) {
  Statement& st =
      db_.prepare("UPDATE device SET enabled=0, updated=? WHERE id=? AND token=? AND enabled=1");
  st.reset().bind(1, at).bind(2, id).bind(3, token).step();
  Status s = st.status("disable device");
  if (s.ok() && sqlite3_changes(db_.handle()) == 0) {
    return Status::notFoundError("no enabled device with that token");
  }
  return s;
}

Status SqliteDeviceRepository::enableToken(int64_t id, std::string_view token, TimeMs at) {
  Statement& st =
      db_.prepare("UPDATE device SET enabled=1, updated=? WHERE id=? AND token=? AND enabled=0");
  st.reset().bind(1, at).bind(2, id).bind(3, token).step();
  Status s = st.status("enable device");
  if (s.ok() && sqlite3_changes(db_.handle()) == 0) return Status::notFoundError("not disabled");
  return s;
}

Status SqlitePreferencesRepository::load(std::string_view user, Preferences& out) {
  out = Preferences{};
  Statement& st = db_.prepare(
      "SELECT virtual_agent, live_agent, chat, preview, quiet_start, quiet_end, quiet_tz, "
      "language FROM preferences WHERE user=?");
  st.reset().bind(1, user);
  if (st.step()) {
    out.virtual_agent = st.int64(0) != 0;
    out.live_agent = st.int64(1) != 0;
    out.chat = st.int64(2) != 0;
    out.preview = st.int64(3) != 0;
    if (!st.isNull(4) && !st.isNull(5)) {
      out.quiet_hours =
          QuietHours{static_cast<int>(st.int64(4)), static_cast<int>(st.int64(5)), st.text(6)};
    }
    out.language = st.text(7);
    st.reset();
  }
  Status s = st.status("load preferences");
  if (!s.ok()) return s;
  Statement& mutes = db_.prepare("SELECT peer, until FROM mute WHERE user=?");
  mutes.reset().bind(1, user);
  while (mutes.step()) out.muted[mutes.text(0)] = mutes.int64(1);
  return mutes.status("load mutes");
}

Status SqlitePreferencesRepository::save(std::string_view user, const Preferences& p) {
  Status s = db_.begin();
  if (!s.ok()) return s;
  Statement& st = db_.prepare(
      "INSERT INTO preferences(user, virtual_agent, live_agent, chat, preview, quiet_start, "
      "quiet_end, quiet_tz, language, updated) "
      "VALUES (?,?,?,?,?,?,?,?,?,strftime('%s','now')*1000) "
      "ON CONFLICT(user) DO UPDATE SET virtual_agent=excluded.virtual_agent, "
      "live_agent=excluded.live_agent, chat=excluded.chat, preview=excluded.preview, "
      "quiet_start=excluded.quiet_start, quiet_end=excluded.quiet_end, "
      "quiet_tz=excluded.quiet_tz, language=excluded.language, updated=excluded.updated");
  st.reset()
      .bind(1, user)
      .bind(2, int64_t{p.virtual_agent})
      .bind(3, int64_t{p.live_agent})
      .bind(4, int64_t{p.chat})
      .bind(5, int64_t{p.preview});
  if (p.quiet_hours) {
    st.bind(6, int64_t{p.quiet_hours->start_minute})
        .bind(7, int64_t{p.quiet_hours->end_minute})
        .bind(8, p.quiet_hours->time_zone);
  } else {
    st.bindNull(6).bindNull(7).bindNull(8);
  }
  st.bind(9, p.language);
  st.step();
  s = st.status("save preferences");
  if (s.ok()) {
    Statement& del = db_.prepare("DELETE FROM mute WHERE user=?");
    del.reset().bind(1, user).step();
    s = del.status("save mutes");
  }
  for (const auto& [peer, until] : p.muted) {
    if (!s.ok()) break;
    Statement& ins = db_.prepare("INSERT INTO mute(user, peer, until) VALUES (?,?,?)");
    ins.reset().bind(1, user).bind(2, peer).bind(3, until).step();
    s = ins.status("save mutes");
  }
  if (!s.ok()) {
    db_.rollback();
    return s;
  }
  return db_.commit();
}

}  // namespace vapush
