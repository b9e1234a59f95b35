// SPDX-License-Identifier: Apache-2.0
// Tests for plugin/config: limits.max_unread_per_user (default, bounds).
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <string>

#include "plugin/config.h"

namespace vapush {
namespace {

namespace fs = std::filesystem;

class UnreadCapConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("vapush-config-cap-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    std::ofstream(dir_ / "secret") << "s3cret\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  ConfigResult load(const std::string& limits) {
    std::ofstream(dir_ / "vapush.yml") << "component:\n"
                                          "  jid: push.example.com\n"
                                          "  secret_file: secret\n"
                                       << limits;
    return loadConfig((dir_ / "vapush.yml").string());
  }
  fs::path dir_;
};

TEST_F(UnreadCapConfigTest, DefaultsToAThousandAndTakesAValue) {
  auto r = load("");
  ASSERT_TRUE(r.config) << r.error->toString();
  EXPECT_EQ(r.config->limits.max_unread_per_user, 1000);
  r = load("limits: { max_unread_per_user: 50 }\n");
  ASSERT_TRUE(r.config) << r.error->toString();
  EXPECT_EQ(r.config->limits.max_unread_per_user, 50);
}

TEST_F(UnreadCapConfigTest, ZeroIsRefusedNamingTheKey) {
  auto r = load("limits: { max_unread_per_user: 0 }\n");
  ASSERT_FALSE(r.config);
  EXPECT_NE(r.error->reason.find("limits.max_unread_per_user"), std::string::npos)
      << r.error->reason;
}

}  // namespace
}  // namespace vapush
