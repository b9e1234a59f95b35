// SPDX-License-Identifier: Apache-2.0
// vapushd's test pushes: the operator's (vapushctl test-push through the loopback HTTP
// endpoint, which waits for the provider's answer) and the users' self-service
// `test-push` command (plugin/test_push.h), which queues and returns at once. Daemon
// wiring (it uses the push sender), not pure logic.
#pragma once

#include <string>

#include "plugin/config.h"
#include "plugin/crypto.h"
#include "plugin/daemon_admin.h"
#include "plugin/delivery.h"
#include "plugin/localizer.h"
#include "plugin/test_push.h"

namespace vapush {

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
