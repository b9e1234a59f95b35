// SPDX-License-Identifier: Apache-2.0
#include "plugin/health.h"

namespace vapush {

void CommitHealth::record(const std::string& writer, TimeMs at, const Status& status) {
  std::lock_guard<std::mutex> lock(mutex_);
  last_[writer] = CommitResult{at, status.ok(), status.ok() ? std::string() : status.message};
}

std::map<std::string, CommitResult> CommitHealth::last() const {
  std::lock_guard<std::mutex> lock(mutex_);
  return last_;
}

namespace {

std::string mib(uint64_t bytes) { return std::to_string(bytes >> 20) + " MiB"; }

}  // namespace

HealthReport evaluateHealth(const HealthInput& in) {
  HealthReport r;
  bool unavailable = false;
  bool degraded = false;
  r.database = "ok";
  if (!in.xmpp_connected) {
    unavailable = true;
    r.reasons.push_back("xmpp: not connected to the chat server");
  }
  for (const auto& [writer, c] : in.commits) {
    if (c.ok) continue;
    unavailable = true;
    r.database = "unavailable";
    r.reasons.push_back("database: the last " + writer + " commit failed: " + c.error);
  }
  if (!in.disk) {
    degraded = true;
    r.reasons.push_back("disk: free space unknown: " + in.disk_error);
  } else if (in.disk->free_bytes < kUnavailableFreeBytes) {
    unavailable = true;
    r.database = "unavailable";
    r.reasons.push_back("disk: " + mib(in.disk->free_bytes) + " free, below " +
                        mib(kUnavailableFreeBytes) + ": writes fail");
  } else if (in.disk->free_bytes < kDegradedFreeBytes &&
             in.disk->free_bytes * 100 < in.disk->total_bytes * kDegradedFreePercent) {
    degraded = true;
    if (r.database == "ok") r.database = "low_space";
    r.reasons.push_back("disk: " + mib(in.disk->free_bytes) + " free of " +
                        mib(in.disk->total_bytes) + ", below " + mib(kDegradedFreeBytes) + " and " +
                        std::to_string(kDegradedFreePercent) + " %");
  }
  if (in.apps_held) {
    degraded = true;
    r.reasons.push_back("delivery: some apps' pushes are held (see held_apps)");
  }
  r.status = unavailable ? "unavailable" : degraded ? "degraded" : "ok";
  r.http_status = unavailable ? 503 : 200;
  return r;
}

}  // namespace vapush
