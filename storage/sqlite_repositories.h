// SPDX-License-Identifier: Apache-2.0
// SQLite implementations of the plugin/ storage ports (devices, preferences).
// Each instance borrows one Database and must be used from that Database's thread.
#pragma once

#include "plugin/repositories.h"
#include "storage/database.h"

namespace vapush {

class SqliteDeviceRepository : public DeviceRepository {
 public:
  explicit SqliteDeviceRepository(Database& db) : db_(db) {}
  Status purgeDisabled(TimeMs cutoff, int& deleted) override;

  // DeviceRepository
  Status add(Device& device) override;
  Status update(const Device& device) override;
  Status remove(int64_t id) override;
  Status findById(int64_t id, Device& out) override;
  Status findByNode(std::string_view node, Device& out) override;
  Status findByDeviceId(std::string_view user, std::string_view app, std::string_view device_id,
                        Device& out) override;
  Status findByToken(std::string_view app, std::string_view token, Device& out) override;
  Status listByUser(std::string_view user, std::vector<Device>& out) override;
  Status setEnabled(int64_t id, bool enabled, TimeMs at) override;

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
