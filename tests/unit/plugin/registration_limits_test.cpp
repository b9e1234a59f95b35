// SPDX-License-Identifier: Apache-2.0
// Registration limits and storage trouble: device cap eviction, rate limit, transient
// errors answered with type 'wait'.
#include "tests/unit/plugin/commands_test_fixture.h"

namespace vapush {
namespace {

using RegistrationLimitsTest = CommandsTest;

Fields fcmDevice(const std::string& id, char token = 'x') {
  return {{"token", {CommandsTest::fcmToken(token)}}, {"device-id", {id}}};
}

TEST_F(RegistrationLimitsTest, EleventhDeviceEvictsTheLeastRecentlyRenewed) {
  config_.limits.max_registrations_per_minute = 0;  // unlimited for this test
  rebuild();
  for (int i = 0; i < 10; ++i) {
    ASSERT_TRUE(run(kAlice, command_node::kRegisterPushFcm,
                    fcmDevice("dev" + std::to_string(i), static_cast<char>('a' + i)))
                    .ok());
    clock_.advance(std::chrono::seconds(1));
  }
  // dev0 renews its registration, so dev1 is now the stalest.
  ASSERT_TRUE(run(kAlice, command_node::kRegisterPushFcm, fcmDevice("dev0", 'a')).ok());
  ASSERT_EQ(devices_.rowsOf(kAliceBare).size(), 10u);
  const auto r = run(kAlice, command_node::kRegisterPushFcm, fcmDevice("dev10", 'z'));
  ASSERT_TRUE(r.ok()) << errorText(r);
  const auto mine = devices_.rowsOf(kAliceBare);
  ASSERT_EQ(mine.size(), 10u);
  for (const auto& d : mine) EXPECT_NE(d.device_id, "dev1");
  EXPECT_EQ(mine.back().device_id, "dev10");
  EXPECT_EQ(mine.front().device_id, "dev0");
}

TEST_F(RegistrationLimitsTest, RateLimitIsWaitAndRecoversAfterAMinute) {
  config_.limits.max_registrations_per_minute = 3;
  rebuild();
  for (int i = 0; i < 3; ++i) {
    ASSERT_TRUE(run(kAlice, command_node::kRegisterPushFcm, fcmDevice("dev")).ok());
    clock_.advance(std::chrono::seconds(10));
  }
  const auto refused = run(kAlice, command_node::kRegisterPushFcm, fcmDevice("dev", 'y'));
  EXPECT_COMMAND_ERROR(refused, ErrorType::Wait, "resource-constraint");
  EXPECT_NE(refused.error->text.find("try again in 30 s"), std::string::npos)
      << refused.error->text;
  EXPECT_EQ(devices_.rows()[0].token, fcmToken('x'));  // unchanged
  // Other users are not affected.
  EXPECT_TRUE(run(kBob, command_node::kRegisterPushFcm, fcmDevice("dev")).ok());

  clock_.advance(std::chrono::seconds(30));  // the first attempt leaves the window
  EXPECT_TRUE(run(kAlice, command_node::kRegisterPushFcm, fcmDevice("dev", 'y')).ok());
  EXPECT_COMMAND_ERROR(run(kAlice, command_node::kRegisterPushFcm, fcmDevice("dev", 'y')),
                       ErrorType::Wait, "resource-constraint");
  clock_.advance(std::chrono::seconds(60));
  EXPECT_TRUE(run(kAlice, command_node::kRegisterPushFcm, fcmDevice("dev", 'w')).ok());
  EXPECT_EQ(devices_.rowsOf(kAliceBare)[0].token, fcmToken('w'));
}

TEST_F(RegistrationLimitsTest, TransientStorageErrorIsWaitAndChangesNothing) {
  devices_.failAlways(Status::transient("database is locked"));
  const auto r = run(kAlice, command_node::kRegisterPushFcm, fcmDevice("dev"));
  EXPECT_COMMAND_ERROR(r, ErrorType::Wait, "internal-server-error");
  devices_.clearFailure();
  EXPECT_TRUE(devices_.rows().empty());
  // And it works once storage is back.
  EXPECT_TRUE(run(kAlice, command_node::kRegisterPushFcm, fcmDevice("dev")).ok());
}

TEST_F(RegistrationLimitsTest, TransientErrorsOnEveryStepAreWait) {
  ASSERT_TRUE(run(kAlice, command_node::kRegisterPushFcm, fcmDevice("dev")).ok());
  const auto before = devices_.rows();
  // How many storage calls a re-registration makes; then fail each in turn. Every call up
  // to the write is answered `wait` and changes nothing; the last one (dropping older
  // rows with the same token) comes after the device is stored and is best effort.
  const int calls_before = devices_.calls();
  ASSERT_TRUE(run(kAlice, command_node::kRegisterPushFcm, fcmDevice("dev")).ok());
  const int steps = devices_.calls() - calls_before;
  ASSERT_EQ(steps, 3) << "lookup, update, duplicate-token cleanup";
  for (int skip = 0; skip < steps; ++skip) {
    SCOPED_TRACE("failing storage call " + std::to_string(skip));
    config_.limits.max_registrations_per_minute = 0;
    rebuild();
    devices_.failAfter(skip, Status::transient("busy"));
    const auto r = run(kAlice, command_node::kRegisterPushFcm, fcmDevice("dev", 'q'));
    devices_.clearFailure();
    if (skip + 1 < steps) {
      EXPECT_COMMAND_ERROR(r, ErrorType::Wait, "internal-server-error");
      EXPECT_EQ(devices_.rows().front().token, before.front().token);
    } else {
      EXPECT_TRUE(r.ok()) << "stored; the cleanup is retried by the next registration";
      EXPECT_NE(devices_.rows().front().token, before.front().token);
    }
    EXPECT_EQ(devices_.rows().size(), before.size());
  }
  devices_.failAlways(Status::transient("busy"));
  EXPECT_COMMAND_ERROR(run(kAlice, command_node::kUnregisterPushFcm, {{"device-id", {"dev"}}}),
                       ErrorType::Wait, "internal-server-error");
  EXPECT_COMMAND_ERROR(request(kAlice, command_node::kListDevices), ErrorType::Wait,
                       "internal-server-error");
  prefs_.failAlways(Status::transient("busy"));
  EXPECT_COMMAND_ERROR(request(kAlice, command_node::kPreferences), ErrorType::Wait,
                       "internal-server-error");
  devices_.clearFailure();
  EXPECT_EQ(devices_.rows().size(), 1u);
}

TEST_F(RegistrationLimitsTest, PermanentStorageFailureIsInternalServerErrorCancel) {
  devices_.failAlways(Status::failed("disk I/O error"));
  EXPECT_COMMAND_ERROR(run(kAlice, command_node::kRegisterPushFcm, fcmDevice("dev")),
                       ErrorType::Cancel, "internal-server-error");
}

TEST_F(RegistrationLimitsTest, NodeCollisionDrawsAnotherNode) {
  crypto_.scriptRandom("00000000000000aa");
  ASSERT_TRUE(run(kAlice, command_node::kRegisterPushFcm, fcmDevice("a")).ok());
  crypto_.scriptRandom("00000000000000aa");  // collides with alice's node
  const auto r = run(kBob, command_node::kRegisterPushFcm, fcmDevice("b"));
  ASSERT_TRUE(r.ok()) << errorText(r);
  EXPECT_NE(value(r, "node"), "00000000000000aa");
  EXPECT_EQ(devices_.rows().size(), 2u);
}

TEST_F(RegistrationLimitsTest, SameTokenUnderNewDeviceIdReplacesTheOldRow) {
  ASSERT_TRUE(run(kAlice, command_node::kRegisterPushFcm, fcmDevice("old-id", 'k')).ok());
  ASSERT_TRUE(run(kAlice, command_node::kRegisterPushFcm, fcmDevice("new-id", 'k')).ok());
  const auto mine = devices_.rowsOf(kAliceBare);
  ASSERT_EQ(mine.size(), 1u);
  EXPECT_EQ(mine[0].device_id, "new-id");
}

}  // namespace
}  // namespace vapush
