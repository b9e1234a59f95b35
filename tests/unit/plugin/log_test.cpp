// SPDX-License-Identifier: Apache-2.0
// The log sink: values that could break a key=value line apart are quoted and escaped,
// and a requested reopen switches to a new file at the same path (logrotate).
#include "plugin/log.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>

namespace vapush {
namespace {

namespace fs = std::filesystem;

class LogTest : public ::testing::Test {
 protected:
  void SetUp() override {
    path_ = fs::temp_directory_path() / ("vapush-log-test-" + std::to_string(::getpid()));
    fs::remove(path_);
    ASSERT_TRUE(log::setup(log::Level::Info, false, path_.string()));
  }
  void TearDown() override {
    log::setup(log::Level::Info, false, "");
    fs::remove(path_);
    fs::remove(path_.string() + ".1");
  }
  static std::string read(const fs::path& p) {
    std::ifstream in(p);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
  }
  fs::path path_;
};

TEST_F(LogTest, ControlCharactersCannotForgeLinesOrFields) {
  log::info("test.event", {{"user", "evil\r\nts=0 level=error event=forged"},
                           {"tab", "a\tb"},
                           {"bell", std::string("x\x07y")},
                           {"cr", "a\rb"},
                           {"plain", "ok"}});
  const std::string out = read(path_);
  EXPECT_EQ(std::count(out.begin(), out.end(), '\n'), 1) << out;
  EXPECT_EQ(out.find('\r'), std::string::npos);
  EXPECT_NE(out.find(R"(user="evil\u000d\nts=0 level=error event=forged")"), std::string::npos)
      << out;
  EXPECT_NE(out.find("bell=\"x\\u0007y\""), std::string::npos) << out;
  EXPECT_NE(out.find(R"(cr="a\u000db")"), std::string::npos) << "a lone \\r is quoted too";
  EXPECT_NE(out.find(" plain=ok"), std::string::npos) << out;
}

TEST_F(LogTest, ReopenFollowsTheFileAfterRotation) {
  log::info("before.rotation");
  fs::rename(path_, path_.string() + ".1");
  EXPECT_FALSE(log::reopenIfRequested()) << "nothing asked yet";
  log::requestReopen();
  EXPECT_TRUE(log::reopenIfRequested());
  log::info("after.rotation");
  EXPECT_NE(read(path_.string() + ".1").find("event=before.rotation"), std::string::npos);
  const std::string fresh = read(path_);
  EXPECT_NE(fresh.find("event=log.reopened"), std::string::npos) << fresh;
  EXPECT_NE(fresh.find("event=after.rotation"), std::string::npos) << fresh;
  EXPECT_EQ(fresh.find("before.rotation"), std::string::npos);
}

}  // namespace
}  // namespace vapush
