// SPDX-License-Identifier: Apache-2.0
// Shared fixture for the command tests: a CommandHandler over in-memory repositories,
// a fake clock and fake crypto, with helpers to build submitted forms and tokens.
#pragma once

#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <utility>
#include <vector>

#include "plugin/commands.h"
#include "tests/fakes/fake_clock.h"
#include "tests/fakes/fake_crypto.h"
#include "tests/fakes/memory_repositories.h"

namespace vapush {

using Fields = std::vector<std::pair<std::string, std::vector<std::string>>>;

inline constexpr const char* kAlice = "alice@example.com/Conversations.sAdA";
inline constexpr const char* kAliceBare = "alice@example.com";
inline constexpr const char* kBob = "bob@example.com/phone";
inline constexpr const char* kBobBare = "bob@example.com";

class CommandsTest : public ::testing::Test {
 public:
  // A well-formed APNs token (64 hex digits) and FCM token (152 characters).
  static std::string apnsToken(char c = 'a') { return std::string(64, c); }
  static std::string fcmToken(char c = 'x') { return "eeDXSJjASJY:APA91b" + std::string(134, c); }

 protected:
  CommandsTest() {
    config_.component.jid = "push.example.com";
    config_.component.secret = "component-secret";
    AppConfig ios;
    ios.name = "ios";
    ios.platform = Platform::Apns;
    AppConfig android;
    android.name = "android";
    android.platform = Platform::Fcm;
    config_.apps = {ios, android};
    rebuild();
  }

  // Recreates the handler after a test changed config_ (sessions and rate state reset).
  void rebuild() {
    handler_ = std::make_unique<CommandHandler>(config_, devices_, prefs_, clock_, crypto_);
  }

  static Form submitted(const Fields& fields, std::string type = "submit") {
    Form f;
    f.type = std::move(type);
    for (const auto& [var, values] : fields) f.add(var, "", "", values);
    return f;
  }

  CommandResponse request(const std::string& from, std::string_view node,
                          std::optional<Form> form = std::nullopt, std::string action = "execute",
                          std::string session = "") {
    CommandRequest r;
    r.from = from;
    r.node = std::string(node);
    r.action = std::move(action);
    r.session_id = std::move(session);
    r.form = std::move(form);
    return handler_->handle(r);
  }

  // Execute with a submitted form in one request (as registration clients do).
  CommandResponse run(const std::string& from, std::string_view node, const Fields& fields) {
    return request(from, node, submitted(fields));
  }

  static std::string value(const CommandResponse& r, const std::string& var) {
    return r.form ? r.form->value(var) : std::string();
  }
  static std::string errorText(const CommandResponse& r) {
    return r.error ? r.error->text : std::string("(no error)");
  }

  FakeClock clock_;
  FakeCrypto crypto_;
  MemoryDeviceRepository devices_;
  MemoryPreferencesRepository prefs_;
  Config config_;
  std::unique_ptr<CommandHandler> handler_;
};

// Asserts an error response with the given type and condition.
#define EXPECT_COMMAND_ERROR(resp, etype, cond)                       \
  do {                                                                \
    ASSERT_TRUE((resp).error.has_value()) << "expected an error";     \
    EXPECT_EQ((resp).error->type, (etype)) << (resp).error->text;     \
    EXPECT_EQ((resp).error->condition, (cond)) << (resp).error->text; \
  } while (0)

}  // namespace vapush
