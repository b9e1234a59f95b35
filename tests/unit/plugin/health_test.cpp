// SPDX-License-Identifier: Apache-2.0
// /healthz's verdict from what is known in memory: commits and free space.
#include "plugin/health.h"

#include <gtest/gtest.h>

namespace vapush {
namespace {

constexpr uint64_t kMiB = 1ull << 20;

HealthInput healthy() {
  HealthInput in;
  in.xmpp_connected = true;
  in.disk = DiskSpace{10'000 * kMiB, 20'000 * kMiB};
  in.commits["intake"] = CommitResult{1000, true, ""};
  return in;
}

TEST(Health, OkWhenConnectedCommittingAndRoomy) {
  const HealthReport r = evaluateHealth(healthy());
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.status, "ok");
  EXPECT_EQ(r.database, "ok");
  EXPECT_TRUE(r.reasons.empty());
}

TEST(Health, LastCommitFailedIsUnavailableWithTheError) {
  HealthInput in = healthy();
  CommitHealth commits;
  commits.record("intake", 1000, Status::success());
  commits.record("tick", 2000, Status{Status::Code::Transient, "database or disk is full"});
  in.commits = commits.last();
  HealthReport r = evaluateHealth(in);
  EXPECT_EQ(r.http_status, 503);
  EXPECT_EQ(r.status, "unavailable");
  EXPECT_EQ(r.database, "unavailable");
  ASSERT_EQ(r.reasons.size(), 1u);
  EXPECT_NE(r.reasons[0].find("tick commit failed: database or disk is full"), std::string::npos)
      << r.reasons[0];
  // The next good commit of that writer clears it.
  commits.record("tick", 3000, Status::success());
  in.commits = commits.last();
  EXPECT_EQ(evaluateHealth(in).status, "ok");
}

TEST(Health, FullDiskIsUnavailableLowDiskDegraded) {
  HealthInput in = healthy();
  in.disk = DiskSpace{kUnavailableFreeBytes - 1, 64 * kMiB};
  HealthReport r = evaluateHealth(in);
  EXPECT_EQ(r.http_status, 503);
  EXPECT_EQ(r.status, "unavailable");
  ASSERT_EQ(r.reasons.size(), 1u);
  EXPECT_EQ(r.reasons[0].rfind("disk: 15 MiB free", 0), 0u) << r.reasons[0];

  in.disk = DiskSpace{100 * kMiB, 10'000 * kMiB};  // under 256 MiB and under 10 %
  r = evaluateHealth(in);
  EXPECT_EQ(r.http_status, 200);
  EXPECT_EQ(r.status, "degraded");
  EXPECT_EQ(r.database, "low_space");

  in.disk = DiskSpace{100 * kMiB, 500 * kMiB};  // a small disk mostly empty: fine
  EXPECT_EQ(evaluateHealth(in).status, "ok");
}

TEST(Health, UnknownDiskAndHeldAppsAreDegradedDisconnectedUnavailable) {
  HealthInput in = healthy();
  in.disk.reset();
  in.disk_error = "/nowhere: No such file or directory";
  EXPECT_EQ(evaluateHealth(in).status, "degraded");
  in = healthy();
  in.apps_held = true;
  EXPECT_EQ(evaluateHealth(in).status, "degraded");
  in.xmpp_connected = false;
  const HealthReport r = evaluateHealth(in);
  EXPECT_EQ(r.http_status, 503);
  EXPECT_EQ(r.status, "unavailable");
  EXPECT_EQ(r.reasons.size(), 2u);
}

}  // namespace
}  // namespace vapush
