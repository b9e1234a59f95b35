// SPDX-License-Identifier: Apache-2.0
// SQLite implementations of the plugin/ storage ports (devices, preferences).
// Each instance borrows one Database and must be used from that Database's thread.
#pragma once

#include "plugin/repositories.h"
#include "storage/database.h"

namespace vapush {

// last_error of pushes and rows cancelled because their device was removed.
inline constexpr std::string_view kDeviceRemoved = "device_removed";

// Gives a device's pending pushes, and their sys_cs_message_notification rows, the final
// state `suppressed` with last_error `reason`. Pushes in flight (and their rows) are left
// to their result. Call inside the caller's transaction.
Status cancelPendingPushes(Database& db, int64_t device, std::string_view reason, TimeMs at);

class SqliteDeviceRepository : public DeviceRepository {
 public:
  explicit SqliteDeviceRepository(Database& db) : db_(db) {}
  Status purgeDisabled(TimeMs cutoff, int& deleted) override;

  // DeviceRepository
  Status add(Device& device) override;
  Status update(const Device& device) override;
  // Also cancels the device's pending pushes (cancelPendingPushes, kDeviceRemoved), in
  // one transaction.
  Status remove(int64_t id, TimeMs at) override;
  Status findById(int64_t id, Device& out) override;
  Status findByNode(std::string_view node, Device& out) override;
  Status findByDeviceId(std::string_view user, std::string_view app, std::string_view device_id,
                        Device& out) override;
  Status findByToken(std::string_view app, std::string_view token, Device& out) override;
  Status listByUser(std::string_view user, std::vector<Device>& out) override;
  Status setEnabled(int64_t id, bool enabled, TimeMs at) override;
  // Disables the device only while it still holds `token` (a provider's verdict on an
  // old token must not disable a device that re-registered with a new one); NotFound
  // when it does not (or is gone, or already disabled).
  Status disableToken(int64_t id, std::string_view token, TimeMs at);
  // Enables it again, only if it still holds `token` (the invalid-token breaker).
  Status enableToken(int64_t id, std::string_view token, TimeMs at);

 private:
  Status findOne(Statement& st, Device& out);
  Database& db_;
};

class SqlitePreferencesRepository : public PreferencesRepository {
 public:
  explicit SqlitePreferencesRepository(Database& db) : db_(db) {}

  // PreferencesRepository
  Status load(std::string_view user, Preferences& out) override;
  Status save(std::string_view user, const Preferences& prefs) override;

 private:
  Database& db_;
};

}  // namespace vapush
