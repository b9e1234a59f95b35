// SPDX-License-Identifier: Apache-2.0
// Test pushes (see daemon_test_push.h).
#include "plugin/daemon_test_push.h"

#include <algorithm>

#include "plugin/log.h"

namespace vapush {

// A test notification to `d`, in its language (else the user's, else the default).
PushRequest testPushRequest(const Config& config, const Localizer& localizer, std::string id,
                            const Device& d, const std::string& user_language) {
  PushRequest p;
  p.id = std::move(id);
  p.device = d.id;
  p.user = d.user;
  p.app = d.app;
  p.platform = d.platform;
  p.token = d.token;
  p.protocol = d.protocol;
  p.device_key = d.device_id;
  p.conversation = config.component.jid;
  p.language = resolveLanguage(d.language, user_language, config.i18n.default_language);
  p.title_key = text_key::kTestPushTitle;
  p.title = localizer.text(p.title_key, p.language);
  p.body_key = text_key::kTestPushBody;
  p.body = localizer.text(p.body_key, p.language);
  return p;
}

bool DaemonTestPusher::sendTest(const Device& d, const std::string& user_language) {
  const bool configured = std::any_of(config_.apps.begin(), config_.apps.end(),
                                      [&](const AppConfig& a) { return a.name == d.app; });
  if (!configured) return false;
  PushRequest p = testPushRequest(config_, localizer_, crypto_.randomHex(16), d, user_language);
  // Nobody waits: the result is logged (push.test) when the provider answers.
  (void)tests_.expect(p.id);
  tests_.detach(p.id);
  sender_.submit({p});
  return true;
}

}  // namespace vapush
