// SPDX-License-Identifier: Apache-2.0
// Fixture for the Scheduler tests: the real tick planner (plugin/tick_planner) with a real
// PresenceTracker, a fake clock, a recording sender, real SQLite in a temp dir; no sleeps.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <memory>
#include <string>
#include <vector>

#include "fakes/fake_clock.h"
#include "plugin/daemon_scheduler.h"
#include "plugin/tick_planner.h"
#include "storage/intake_store.h"
#include "storage/sqlite_repositories.h"

namespace vapush {

class RecordingSender : public PushSender {
 public:
  void submit(std::vector<PushRequest> pushes) override {
    for (auto& p : pushes) sent.push_back(std::move(p));
  }
  std::vector<PushRequest> sent;
};

// Every zone is UTC (no test here uses quiet hours).
class UtcZones : public TimeZones {
 public:
  std::optional<int> utcOffsetMinutes(std::string_view, TimeMs) override { return 0; }
};

class SchedulerTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vapush-sched-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::create_directories(dir_);
    std::string error;
    db_ = Database::open((dir_ / "v.db").string(), error);
    ASSERT_TRUE(db_) << error;
    config_.batching.interval_ms = 60'000;
    SqliteDeviceRepository devices(*db_);
    phone_.user = "a@example.com";
    phone_.app = "ios";
    phone_.token = std::string(64, 'a');
    phone_.node = "n1";
    ASSERT_TRUE(devices.add(phone_).ok());
    make();
  }
  void TearDown() override {
    scheduler_.reset();
    db_.reset();
    std::filesystem::remove_all(dir_);
  }
  // The production planner, as plugin/daemon.cpp wires it (ids from a counter here).
  Scheduler::Planner realPlanner() {
    return [this](const TickSnapshot& snapshot, TimeMs now, int64_t batch) {
      PlannerContext ctx{config_.batching, presence_, zones_, [this] {
                           const std::string n = std::to_string(++ids_);
                           return std::string(32 - n.size(), '0') + n;
                         }};
      return planTick(snapshot, now, batch, ctx);
    };
  }
  void make(Scheduler::Hooks hooks = {}) {
    scheduler_ = std::make_unique<Scheduler>(
        config_, *db_, clock_, realPlanner(), &sender_,
        [](int attempts, const DeliveryResult& r, TimeMs now) -> std::optional<TimeMs> {
          if (attempts >= 3) return std::nullopt;
          return now + std::max<TimeMs>(1000, r.retry_after_ms);
        },
        std::move(hooks));
  }
  // A publish for `device` (default: the phone) from `peer`: the server published for it,
  // so the planner sees it as not in use.
  void message(const std::string& peer, const std::string& body, const Device* device = nullptr) {
    PublishRecord r;
    r.device = device != nullptr ? *device : phone_;
    r.device.last_publish = clock_.nowMs();
    r.has_message = true;
    r.message.user = r.device.user;
    r.message.conversation = peer;
    r.message.sender = peer;
    r.message.body = body;
    r.message.message_time = r.message.received = clock_.nowMs();
    std::vector<PublishRecord> v{r};
    IntakeStore intake(*db_);
    ASSERT_TRUE(intake.store(v).ok());
  }
  // One tick, then one round of dispatch: the pushes it planned reach the sender.
  void tickAndDispatch() {
    scheduler_->tickNow();
    scheduler_->pumpForTest();
  }
  std::vector<std::string> states() {
    std::vector<std::string> out;
    Statement& st =
        db_->prepare("SELECT state FROM sys_cs_message_notification ORDER BY message_time, sys_id");
    st.reset();
    while (st.step()) out.push_back(st.text(0));
    return out;
  }
  DeliveryResult result(const PushRequest& p, DeliveryResult::Outcome o, int64_t after = 0) {
    DeliveryResult r;
    r.push_id = p.id;
    r.device = p.device;
    r.outcome = o;
    r.provider_id = o == DeliveryResult::Outcome::Delivered ? "apns-" + p.id.substr(0, 4) : "";
    r.reason = o == DeliveryResult::Outcome::Delivered ? "" : "reason";
    r.retry_after_ms = after;
    return r;
  }

  std::filesystem::path dir_;
  std::unique_ptr<Database> db_;
  Config config_;
  FakeClock clock_;
  RecordingSender sender_;
  PresenceTracker presence_;
  UtcZones zones_;
  int ids_ = 0;
  std::unique_ptr<Scheduler> scheduler_;
  Device phone_;
};

}  // namespace vapush
