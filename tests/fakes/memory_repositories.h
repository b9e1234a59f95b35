// SPDX-License-Identifier: Apache-2.0
// In-memory DeviceRepository and PreferencesRepository for plugin/ unit tests.
//
// They follow the SQLite contract (unique nodes, listByUser oldest first, NotFound for
// missing rows) and can be told to fail, to test how callers map Transient/Failed
// storage errors. Not thread-safe; one test owns each instance.
#pragma once

#include <algorithm>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "plugin/repositories.h"

namespace vapush {

// Shared failure injection: the next `times` calls (any method) return `status`;
// times < 0 means every call until clearFailure().
class FailureInjection {
 public:
  void failNext(Status status, int times = 1) {
    failure_ = std::move(status);
    remaining_ = times;
    skip_ = 0;
  }
  // The first `skip` calls succeed, the one after fails with `status` (once).
  void failAfter(int skip, Status status) {
    failNext(std::move(status));
    skip_ = skip;
  }
  void failAlways(Status status) { failNext(std::move(status), -1); }
  void clearFailure() { failure_.reset(); }
  int calls() const { return calls_; }

 protected:
  // Returns the injected failure for this call, if any.
  std::optional<Status> injected() {
    ++calls_;
    if (!failure_) return std::nullopt;
    if (skip_ > 0) {
      --skip_;
      return std::nullopt;
    }
    Status s = *failure_;
    if (remaining_ > 0 && --remaining_ == 0) failure_.reset();
    return s;
  }

 private:
  std::optional<Status> failure_;
  int remaining_ = 0;
  int skip_ = 0;
  int calls_ = 0;
};

class MemoryDeviceRepository : public DeviceRepository, public FailureInjection {
 public:
  // DeviceRepository
  Status purgeDisabled(TimeMs cutoff, int& deleted) override {
    if (auto f = injected()) return *f;
    const auto before = rows_.size();
    std::erase_if(rows_, [&](const Device& d) { return !d.enabled && d.updated < cutoff; });
    deleted = static_cast<int>(before - rows_.size());
    return Status::success();
  }
  Status add(Device& device) override {
    if (auto f = injected()) return *f;
    for (const auto& d : rows_) {
      if (d.node == device.node) return Status::failed("UNIQUE constraint failed: device.node");
    }
    device.id = ++next_id_;
    rows_.push_back(device);
    return Status::success();
  }
  Status update(const Device& device) override {
    if (auto f = injected()) return *f;
    for (auto& d : rows_) {
      if (d.id == device.id) {
        d = device;
        return Status::success();
      }
    }
    return Status::notFoundError();
  }
  Status remove(int64_t id, TimeMs /*at*/) override {
    if (auto f = injected()) return *f;
    const auto it =
        std::find_if(rows_.begin(), rows_.end(), [&](const Device& d) { return d.id == id; });
    if (it == rows_.end()) return Status::notFoundError();
    rows_.erase(it);
    return Status::success();
  }
  Status findById(int64_t id, Device& out) override {
    return findIf([&](const Device& d) { return d.id == id; }, out);
  }
  Status findByNode(std::string_view node, Device& out) override {
    return findIf([&](const Device& d) { return d.node == node; }, out);
  }
  Status findByDeviceId(std::string_view user, std::string_view app, std::string_view device_id,
                        Device& out) override {
    return findIf(
        [&](const Device& d) { return d.user == user && d.app == app && d.device_id == device_id; },
        out);
  }
  Status findByToken(std::string_view app, std::string_view token, Device& out) override {
    return findIf([&](const Device& d) { return d.app == app && d.token == token; }, out);
  }
  Status listByUser(std::string_view user, std::vector<Device>& out) override {
    if (auto f = injected()) return *f;
    out.clear();
    for (const auto& d : rows_) {
      if (d.user == user) out.push_back(d);
    }
    return Status::success();
  }
  Status setEnabled(int64_t id, bool enabled, TimeMs at) override {
    if (auto f = injected()) return *f;
    for (auto& d : rows_) {
      if (d.id == id) {
        d.enabled = enabled;
        d.updated = at;
        return Status::success();
      }
    }
    return Status::notFoundError();
  }

  // Test access: every row, in insertion order.
  const std::vector<Device>& rows() const { return rows_; }
  std::vector<Device> rowsOf(std::string_view user) const {
    std::vector<Device> out;
    for (const auto& d : rows_) {
      if (d.user == user) out.push_back(d);
    }
    return out;
  }

 private:
  template <typename Pred>
  Status findIf(Pred pred, Device& out) {
    if (auto f = injected()) return *f;
    for (const auto& d : rows_) {
      if (pred(d)) {
        out = d;
        return Status::success();
      }
    }
    return Status::notFoundError();
  }

  std::vector<Device> rows_;
  int64_t next_id_ = 0;
};

class MemoryPreferencesRepository : public PreferencesRepository, public FailureInjection {
 public:
  // PreferencesRepository
  Status load(std::string_view user, Preferences& out) override {
    if (auto f = injected()) return *f;
    const auto it = rows_.find(std::string(user));
    out = it == rows_.end() ? Preferences{} : it->second;
    return Status::success();
  }
  Status save(std::string_view user, const Preferences& prefs) override {
    if (auto f = injected()) return *f;
    rows_[std::string(user)] = prefs;
    return Status::success();
  }

  // Test access: saved preferences of `user`, if any were saved.
  std::optional<Preferences> saved(std::string_view user) const {
    const auto it = rows_.find(std::string(user));
    if (it == rows_.end()) return std::nullopt;
    return it->second;
  }

 private:
  std::map<std::string, Preferences> rows_;
};

}  // namespace vapush
