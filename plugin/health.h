// SPDX-License-Identifier: Apache-2.0
// What /healthz says, from what is already known, without touching the database (a
// health check that waits for the write lock flaps during every long tick):
// - the last commit of each writer (intake = publishes, forwarded = forwarded copies and
//   read marks, tick = the scheduled job), kept in memory by the writer itself;
// - the free space of the database's filesystem (statvfs, by the daemon).
// Thresholds (docs/operations.md): below kUnavailableFreeBytes free, or a writer's last
// commit failed -> "unavailable" (503); below kDegradedFreeBytes and kDegradedFreePercent
// of the filesystem -> "degraded" (200). Pure; CommitHealth is thread-safe.
#pragma once

#include <cstdint>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <vector>

#include "plugin/model.h"
#include "plugin/repositories.h"

namespace vapush {

inline constexpr uint64_t kUnavailableFreeBytes = 16ull << 20;  // 16 MiB
inline constexpr uint64_t kDegradedFreeBytes = 256ull << 20;    // 256 MiB ...
inline constexpr uint64_t kDegradedFreePercent = 10;            // ... and under 10 %

struct CommitResult {
  TimeMs at = 0;
  bool ok = true;
  std::string error;  // when !ok
};

// The last commit result of each writer. Any thread.
class CommitHealth {
 public:
  void record(const std::string& writer, TimeMs at, const Status& status);
  std::map<std::string, CommitResult> last() const;

 private:
  mutable std::mutex mutex_;
  std::map<std::string, CommitResult> last_;
};

struct DiskSpace {
  uint64_t free_bytes = 0;  // available to vapushd (statvfs f_bavail)
  uint64_t total_bytes = 0;
};

struct HealthInput {
  bool xmpp_connected = false;
  std::map<std::string, CommitResult> commits;
  std::optional<DiskSpace> disk;  // nullopt: unknown (disk_error says why)
  std::string disk_error;
  bool apps_held = false;
};

struct HealthReport {
  int http_status = 200;
  std::string status;                // ok | degraded | unavailable
  std::string database;              // ok | low_space | unavailable
  std::vector<std::string> reasons;  // empty when ok
};

HealthReport evaluateHealth(const HealthInput& in);

}  // namespace vapush
