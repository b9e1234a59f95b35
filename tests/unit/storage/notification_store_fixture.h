// SPDX-License-Identifier: Apache-2.0
// Fixture for the storage/notification_store tests: a fresh database per test with one
// registered phone, publishes stored through the real intake path.
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "storage/intake_store.h"
#include "storage/notification_store.h"
#include "storage/sqlite_repositories.h"

namespace vapush {

namespace fs = std::filesystem;

class NotificationStoreTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("vapush-ns-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    std::string error;
    db_ = Database::open((dir_ / "v.db").string(), error);
    ASSERT_TRUE(db_) << error;
    store_ = std::make_unique<NotificationStore>(*db_);
    SqliteDeviceRepository devices(*db_);
    phone_.user = "a@example.com";
    phone_.app = "ios";
    phone_.token = std::string(64, 'a');
    phone_.node = "n1";
    phone_.created = phone_.updated = 1;
    ASSERT_TRUE(devices.add(phone_).ok());
  }
  void TearDown() override {
    store_.reset();
    db_.reset();
    fs::remove_all(dir_);
  }
  void publish(const std::string& sender, const std::string& body, TimeMs at) {
    PublishRecord r;
    r.device = phone_;
    r.device.last_publish = at;
    r.has_message = true;
    r.message.conversation = sender;
    r.message.sender = sender + "/r";
    r.message.body = body;
    r.message.message_time = r.message.received = at;
    std::vector<PublishRecord> v{r};
    IntakeStore intake(*db_);
    intake.setMaxUnreadPerUser(max_unread_);
    ASSERT_TRUE(intake.store(v).ok());
  }
  int64_t count(const std::string& sql) {
    Statement& st = db_->prepare(sql);
    const int64_t n = st.reset().step() ? st.int64(0) : -1;
    st.reset();
    return n;
  }
  // A minimal plan: one push per conversation with all its messages.
  BatchOutcome plan(const TickSnapshot& snap, int64_t batch) {
    BatchOutcome o;
    o.batch = batch;
    o.started = 1;
    std::map<std::string, PushRequest> pushes;
    for (const auto& m : snap.messages) {
      auto& p = pushes[m.conversation];
      if (p.id.empty()) {
        p.id = std::string(31, '0') + std::to_string(pushes.size()) + "";
        p.id = p.id.substr(p.id.size() - 32);
        p.id[0] = static_cast<char>('a' + batch % 6);
        p.device = phone_.id;
        p.user = m.user;
        p.app = "ios";
        p.token = phone_.token;
        p.conversation = m.conversation;
        p.title = m.conversation;
        p.batch = batch;
        p.oldest_message_time = m.message_time;
      }
      p.body = m.body;
      p.unread++;
      NotificationRow r;
      r.sys_id = std::string(32, 'f');
      r.sys_id.replace(32 - std::to_string(m.id).size(), std::string::npos, std::to_string(m.id));
      r.user = m.user;
      r.device = phone_.id;
      r.conversation = m.conversation;
      r.body = m.body;
      r.batch = batch;
      r.message_id = m.id;
      r.push_id = p.id;
      o.rows.push_back(r);
      o.consumed.push_back(m.id);
    }
    for (auto& [c, p] : pushes) o.pushes.push_back(p);
    return o;
  }
  fs::path dir_;
  std::unique_ptr<Database> db_;
  std::unique_ptr<NotificationStore> store_;
  Device phone_;
  size_t max_unread_ = 0;  // publish()'s limits.max_unread_per_user (0 = no cap)
};

}  // namespace vapush
