// SPDX-License-Identifier: Apache-2.0
// Storage ports used by plugin/ logic. storage/ implements them on SQLite; tests may use
// in-memory fakes. All methods are synchronous and may be called from any one thread at
// a time per instance (each thread opens its own instance on the same database).
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "plugin/model.h"

namespace vapush {

// Outcome of a storage call. Transient means "try again later" (database locked, disk
// full, read-only): callers answer XMPP with an error of type `wait`, never `cancel`.
struct Status {
  enum class Code {
    Ok,         // done
    NotFound,   // no such row
    Transient,  // busy, locked, full, read-only: retry later
    Failed,     // anything else (corruption, programming error)
  };
  Code code = Code::Ok;
  std::string message;

  bool ok() const { return code == Code::Ok; }
  bool notFound() const { return code == Code::NotFound; }
  static Status success() { return {}; }
  static Status notFoundError(std::string m = "not found") {
    return {Code::NotFound, std::move(m)};
  }
  static Status transient(std::string m) { return {Code::Transient, std::move(m)}; }
  static Status failed(std::string m) { return {Code::Failed, std::move(m)}; }
};

class DeviceRepository {
 public:
  virtual ~DeviceRepository() = default;
  // Deletes devices disabled (dead token) and unchanged since before `cutoff` that have
  // no pending push; `deleted` = how many.
  virtual Status purgeDisabled(TimeMs cutoff, int& deleted) = 0;
  // Inserts `device` (id ignored) and sets device.id. The node must be unique.
  virtual Status add(Device& device) = 0;
  // Updates every column of the row with device.id.
  virtual Status update(const Device& device) = 0;
  // Removes the device; its pending pushes are cancelled (rows `suppressed`, last_error
  // `device_removed`), so nothing more reaches it.
  virtual Status remove(int64_t id, TimeMs at) = 0;
  virtual Status findById(int64_t id, Device& out) = 0;
  virtual Status findByNode(std::string_view node, Device& out) = 0;
  // The device a client registered before (same user, app and client device id).
  virtual Status findByDeviceId(std::string_view user, std::string_view app,
                                std::string_view device_id, Device& out) = 0;
  virtual Status findByToken(std::string_view app, std::string_view token, Device& out) = 0;
  // All devices of a user, oldest first.
  virtual Status listByUser(std::string_view user, std::vector<Device>& out) = 0;
  // Marks a device disabled (token dead) or enabled again.
  virtual Status setEnabled(int64_t id, bool enabled, TimeMs at) = 0;
};

class PreferencesRepository {
 public:
  virtual ~PreferencesRepository() = default;
  // Fills `out` with the user's preferences, or the defaults if none were saved.
  virtual Status load(std::string_view user, Preferences& out) = 0;
  virtual Status save(std::string_view user, const Preferences& prefs) = 0;
};

}  // namespace vapush
