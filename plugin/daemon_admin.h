// SPDX-License-Identifier: Apache-2.0
// The daemon side of vapushctl's admin actions: the admin token file and test pushes.
#pragma once

#include <chrono>
#include <future>
#include <map>
#include <mutex>
#include <set>
#include <string>
#include <utility>

#include "plugin/config.h"
#include "plugin/crypto.h"
#include "plugin/delivery.h"
#include "plugin/localizer.h"

namespace vapush {

// Reads the admin token from `path`, creating it (random, mode 0600, owner only) when it
// does not exist; a file others may read is tightened to 0600. Returns the token's
// sha256Hex (the token itself is not kept), or empty with `error`.
std::string loadAdminTokenHash(const std::string& path, Crypto& crypto, bool& created,
                               std::string& error);

// Test pushes sent through the HTTP endpoint: their results go to the waiting request
// instead of the scheduler; one whose request stopped waiting is logged (push.test)
// when its result comes.
class TestPushes {
 public:
  static constexpr std::chrono::seconds kWait{5};
  bool claim(const DeliveryResult& r);
  std::future<DeliveryResult> expect(const std::string& id);
  // The request answers 202: log the outcome when it comes. False when the result
  // came meanwhile (the future has it).
  bool detach(const std::string& id);

 private:
  static constexpr size_t kMaxDetached = 1000;
  std::mutex mutex_;
  std::map<std::string, std::promise<DeliveryResult>> waiting_;
  std::set<std::string> detached_;
};

// Sends the catalog's test notification to `device_id` in its language; waits at most
// TestPushes::kWait for the provider: 200 with the outcome, 202 when still pending, 404 for no such
// device.
std::pair<int, std::string> sendTestPush(const Config& config, PushSender& sender,
                                         TestPushes& tests, Crypto& crypto,
                                         const Localizer& localizer, int64_t device_id);

}  // namespace vapush
