// SPDX-License-Identifier: Apache-2.0
// XEP-0050 session handling: execute -> executing -> complete/cancel, bad and expired
// session ids, actions.
#include "tests/unit/plugin/commands_test_fixture.h"

namespace vapush {
namespace {

using CommandsSessionTest = CommandsTest;

TEST_F(CommandsSessionTest, ExecuteOpensSessionAndCompleteClosesIt) {
  const auto start = request(kAlice, command_node::kPreferences);
  ASSERT_TRUE(start.ok()) << errorText(start);
  EXPECT_EQ(start.status, CommandResponse::Status::Executing);
  EXPECT_FALSE(start.session_id.empty());
  EXPECT_EQ(start.actions, std::vector<std::string>{"complete"});
  EXPECT_EQ(start.default_action, "complete");
  EXPECT_EQ(handler_->openSessions(), 1u);

  const auto done = request(kAlice, command_node::kPreferences, submitted({{"chat", {"0"}}}),
                            "complete", start.session_id);
  ASSERT_TRUE(done.ok()) << errorText(done);
  EXPECT_EQ(done.status, CommandResponse::Status::Completed);
  EXPECT_EQ(done.session_id, start.session_id);
  ASSERT_EQ(done.notes.size(), 1u);
  EXPECT_EQ(done.notes[0].type, CommandNote::Type::Info);
  EXPECT_EQ(handler_->openSessions(), 0u);

  // The session is gone: reusing it is bad-sessionid.
  const auto again = request(kAlice, command_node::kPreferences, submitted({{"chat", {"1"}}}),
                             "complete", start.session_id);
  EXPECT_COMMAND_ERROR(again, ErrorType::Modify, "bad-request");
  EXPECT_EQ(again.error->specific, "bad-sessionid");
  EXPECT_FALSE(prefs_.saved(kAliceBare)->chat);
}

TEST_F(CommandsSessionTest, UnknownSessionIdIsBadSessionId) {
  const auto r = request(kAlice, command_node::kPreferences, submitted({{"chat", {"0"}}}),
                         "complete", "deadbeef");
  EXPECT_COMMAND_ERROR(r, ErrorType::Modify, "bad-request");
  EXPECT_EQ(r.error->specific, "bad-sessionid");
}

TEST_F(CommandsSessionTest, SessionOfAnotherRequesterOrNodeIsBadSessionId) {
  const auto start = request(kAlice, command_node::kPreferences);
  ASSERT_TRUE(start.ok());
  auto r = request(kBob, command_node::kPreferences, submitted({{"chat", {"0"}}}), "complete",
                   start.session_id);
  EXPECT_EQ(r.error->specific, "bad-sessionid");
  r = request("alice@example.com/other", command_node::kPreferences, submitted({{"chat", {"0"}}}),
              "complete", start.session_id);
  EXPECT_EQ(r.error->specific, "bad-sessionid");
  r = request(kAlice, command_node::kMuteConversation, submitted({{"jid", {"x@y"}}}), "complete",
              start.session_id);
  EXPECT_EQ(r.error->specific, "bad-sessionid");
  EXPECT_FALSE(prefs_.saved(kBobBare).has_value());
  EXPECT_FALSE(prefs_.saved(kAliceBare).has_value());
  EXPECT_EQ(handler_->openSessions(), 1u);  // Alice's session still open
}

TEST_F(CommandsSessionTest, CancelEndsSessionWithoutChanges) {
  const auto start = request(kAlice, command_node::kPreferences);
  const auto r =
      request(kAlice, command_node::kPreferences, std::nullopt, "cancel", start.session_id);
  ASSERT_TRUE(r.ok()) << errorText(r);
  EXPECT_EQ(r.status, CommandResponse::Status::Canceled);
  EXPECT_EQ(r.session_id, start.session_id);
  EXPECT_EQ(handler_->openSessions(), 0u);
  EXPECT_FALSE(prefs_.saved(kAliceBare).has_value());

  const auto unknown =
      request(kAlice, command_node::kPreferences, std::nullopt, "cancel", start.session_id);
  EXPECT_EQ(unknown.error->specific, "bad-sessionid");
}

TEST_F(CommandsSessionTest, SubmittingACancelFormCancels) {
  const auto start = request(kAlice, command_node::kPreferences);
  const auto r = request(kAlice, command_node::kPreferences, submitted({}, "cancel"), "complete",
                         start.session_id);
  ASSERT_TRUE(r.ok());
  EXPECT_EQ(r.status, CommandResponse::Status::Canceled);
  EXPECT_FALSE(prefs_.saved(kAliceBare).has_value());
}

TEST_F(CommandsSessionTest, ExpiredSessionIsSessionExpired) {
  const auto start = request(kAlice, command_node::kPreferences);
  clock_.advance(std::chrono::minutes(11));
  const auto r = request(kAlice, command_node::kPreferences, submitted({{"chat", {"0"}}}),
                         "complete", start.session_id);
  EXPECT_COMMAND_ERROR(r, ErrorType::Cancel, "not-allowed");
  EXPECT_EQ(r.error->specific, "session-expired");
  EXPECT_FALSE(prefs_.saved(kAliceBare).has_value());
  // Much later the session is forgotten altogether.
  const auto s2 = request(kAlice, command_node::kPreferences);
  clock_.advance(std::chrono::minutes(25));
  request(kAlice, command_node::kListDevices);  // any request purges
  EXPECT_EQ(handler_->openSessions(), 0u);
  EXPECT_EQ(request(kAlice, command_node::kPreferences, submitted({}), "complete", s2.session_id)
                .error->specific,
            "bad-sessionid");
}

TEST_F(CommandsSessionTest, CorrectableErrorKeepsTheSession) {
  const auto start = request(kAlice, command_node::kPreferences);
  const auto bad = request(kAlice, command_node::kPreferences,
                           submitted({{"quiet-start", {"25:00"}}}), "complete", start.session_id);
  EXPECT_COMMAND_ERROR(bad, ErrorType::Modify, "bad-request");
  EXPECT_EQ(handler_->openSessions(), 1u);
  const auto good = request(kAlice, command_node::kPreferences,
                            submitted({{"quiet-start", {"23:00"}}}), "complete", start.session_id);
  ASSERT_TRUE(good.ok()) << errorText(good);
  EXPECT_EQ(handler_->openSessions(), 0u);
}

TEST_F(CommandsSessionTest, ActionErrors) {
  auto r = request(kAlice, command_node::kPreferences, std::nullopt, "jump");
  EXPECT_COMMAND_ERROR(r, ErrorType::Modify, "bad-request");
  EXPECT_EQ(r.error->specific, "malformed-action");
  r = request(kAlice, command_node::kPreferences, std::nullopt, "next");
  EXPECT_EQ(r.error->specific, "bad-action");
  const auto start = request(kAlice, command_node::kPreferences);
  r = request(kAlice, command_node::kPreferences, std::nullopt, "prev", start.session_id);
  EXPECT_EQ(r.error->specific, "bad-action");
  r = request(kAlice, command_node::kPreferences, std::nullopt, "complete", start.session_id);
  EXPECT_EQ(r.error->specific, "bad-payload");
  // The empty action means execute.
  r = request(kAlice, command_node::kPreferences, std::nullopt, "");
  EXPECT_EQ(r.status, CommandResponse::Status::Executing);
  // Cancel without a session just says canceled.
  r = request(kAlice, command_node::kPreferences, std::nullopt, "cancel");
  EXPECT_EQ(r.status, CommandResponse::Status::Canceled);
}

TEST_F(CommandsSessionTest, OpenSessionsPerUserAreBounded) {
  std::vector<std::string> ids;
  for (size_t i = 0; i < CommandHandler::kMaxSessionsPerUser + 3; ++i) {
    ids.push_back(request(kAlice, command_node::kPreferences).session_id);
    clock_.advance(std::chrono::seconds(1));
  }
  EXPECT_EQ(handler_->openSessions(), CommandHandler::kMaxSessionsPerUser);
  // The oldest were dropped; the newest still works.
  EXPECT_EQ(request(kAlice, command_node::kPreferences, submitted({}), "complete", ids.front())
                .error->specific,
            "bad-sessionid");
  EXPECT_TRUE(
      request(kAlice, command_node::kPreferences, submitted({}), "complete", ids.back()).ok());
}

}  // namespace
}  // namespace vapush
