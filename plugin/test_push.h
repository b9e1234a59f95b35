// SPDX-License-Identifier: Apache-2.0
// The self-service test push: the ad-hoc command `test-push` sends a test notification
// to the caller's own devices, so a user or a support desk can check a phone end to end
// without an operator. The command is pure logic; sending goes through the TestPusher
// port, which vapushd implements over the push sender (plugin/daemon.cpp).
#pragma once

#include <memory>
#include <string>

#include "plugin/model.h"

namespace vapush {

class Command;

// At most this many test-push commands per user and window (each may reach every device).
inline constexpr int kTestPushesPerWindow = 3;
inline constexpr int64_t kTestPushWindowMs = 10 * 60 * 1000;

class TestPusher {
 public:
  virtual ~TestPusher() = default;
  // Queues a test notification to `device`, written in `language` (plugin/localizer.h
  // resolves it further). Does not wait for the provider. False when it cannot be
  // queued (the device's app is not configured).
  virtual bool sendTest(const Device& device, const std::string& user_language) = 0;
};

std::unique_ptr<Command> makeTestPushCommand();

}  // namespace vapush
