// SPDX-License-Identifier: Apache-2.0
// vapushd's test pushes: the operator's (vapushctl test-push through the loopback HTTP
// endpoint, which waits for the provider's answer) and the users' self-service
// `test-push` command (plugin/test_push.h), which queues and returns at once. Daemon
// wiring (it uses the push sender), not pure logic.
#pragma once

#include <functional>
#include <future>
#include <map>
#include <mutex>
#include <string>

#include "plugin/config.h"
#include "plugin/crypto.h"
#include "plugin/delivery.h"
#include "plugin/localizer.h"
#include "plugin/test_push.h"

namespace vapush {

// Test pushes sent by vapushctl through the HTTP endpoint: their results are answered to
// the waiting HTTP request instead of the scheduler.
class TestPushes {
 public:
  bool claim(const DeliveryResult& r) {
    std::function<void(const DeliveryResult&)> done;
    {
      std::lock_guard<std::mutex> lock(mutex_);
      if (auto it = waiting_.find(r.push_id); it != waiting_.end()) {
        it->second.set_value(r);
        waiting_.erase(it);
        return true;
      }
      auto cb = callbacks_.find(r.push_id);
      if (cb == callbacks_.end()) return false;
      done = std::move(cb->second);
      callbacks_.erase(cb);
    }
    done(r);
    return true;
  }
  std::future<DeliveryResult> expect(const std::string& id) {
    std::lock_guard<std::mutex> lock(mutex_);
    return waiting_[id].get_future();
  }
  // As expect(), for a caller that does not wait: `done` runs on the sender's thread.
  void expect(const std::string& id, std::function<void(const DeliveryResult&)> done) {
    std::lock_guard<std::mutex> lock(mutex_);
    callbacks_[id] = std::move(done);
  }
  void forget(const std::string& id) {
    std::lock_guard<std::mutex> lock(mutex_);
    waiting_.erase(id);
  }

 private:
  std::mutex mutex_;
  std::map<std::string, std::promise<DeliveryResult>> waiting_;
  std::map<std::string, std::function<void(const DeliveryResult&)>> callbacks_;
};

// A test notification to `d`, in its language (else the user's, else the default).
PushRequest testPushRequest(const Config& config, const Localizer& localizer, std::string id,
                            const Device& d, const std::string& user_language);

// The `test-push` command's port: queues the push and returns at once (the XMPP thread
// never waits on HTTP); the outcome is logged when the provider answers.
class DaemonTestPusher : public TestPusher {
 public:
  DaemonTestPusher(const Config& config, PushSender& sender, TestPushes& tests, Crypto& crypto,
                   const Localizer& localizer)
      : config_(config), sender_(sender), tests_(tests), crypto_(crypto), localizer_(localizer) {}

  bool sendTest(const Device& d, const std::string& user_language) override;

 private:
  const Config& config_;
  PushSender& sender_;
  TestPushes& tests_;
  Crypto& crypto_;
  const Localizer& localizer_;
};

}  // namespace vapush
