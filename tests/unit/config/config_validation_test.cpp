// SPDX-License-Identifier: Apache-2.0
// Config values that used to pass and fail later (or never): http.listen, durations that
// overflow, domains in capitals.
#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>

#include "plugin/config.h"
#include "plugin/listen_address.h"

namespace vapush {
namespace {

namespace fs = std::filesystem;

class ConfigValidation : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("vapush-config-validation-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    std::ofstream(dir_ / "secret") << "s3cret\n";
  }
  void TearDown() override { fs::remove_all(dir_); }
  ConfigResult load(const std::string& extra) {
    std::ofstream(dir_ / "vapush.yml") << "component:\n"
                                          "  jid: push.example.com\n"
                                          "  secret_file: secret\n"
                                       << extra;
    return loadConfig((dir_ / "vapush.yml").string());
  }
  fs::path dir_;
};

TEST_F(ConfigValidation, HttpListenIsCheckedWhenLoading) {
  for (const char* good : {"127.0.0.1:9464", "[::1]:9464", "localhost:0", "0.0.0.0:65535", ""}) {
    auto r = load(std::string("http: { listen: '") + good + "' }\n");
    EXPECT_TRUE(r.config) << good << ": " << r.error->toString();
  }
  for (const char* bad : {"9464", "127.0.0.1", "127.0.0.1:", "127.0.0.1:65536", "127.0.0.1:-1",
                          "127.0.0.1:94x4", "::1:9464", "[::1:9464", ":9464", "[]:9464"}) {
    auto r = load(std::string("http: { listen: '") + bad + "' }\n");
    ASSERT_FALSE(r.config) << bad;
    EXPECT_EQ(r.error->line, 4) << bad;
    EXPECT_NE(r.error->reason.find("http.listen"), std::string::npos) << r.error->reason;
  }
}

TEST(ListenAddress, SplitsHostAndPort) {
  std::string error;
  auto a = parseListenAddress("[::1]:9464", error);
  ASSERT_TRUE(a) << error;
  EXPECT_EQ(a->host, "::1");
  EXPECT_EQ(a->port, 9464);
  a = parseListenAddress("127.0.0.1:0", error);
  ASSERT_TRUE(a) << error;
  EXPECT_EQ(a->host, "127.0.0.1");
  EXPECT_EQ(a->port, 0);
  EXPECT_FALSE(parseListenAddress("::1:9464", error));
  EXPECT_NE(error.find("brackets"), std::string::npos) << error;
}

TEST_F(ConfigValidation, DurationsThatOverflowAreErrors) {
  // 999999999999 days is 8.6e19 ms: above int64, so it used to wrap; 213503982336 days
  // wrapped to a plausible 33.5 hours.
  for (const char* bad :
       {"batching: { interval: 999999999999d }\n", "batching: { interval: 213503982336d }\n",
        "batching: { retention: 106751992d }\n", "batching: { push_ttl: 3651d }\n",
        "component_reconnect", "batching: { interval: 99999999999999d }\n"}) {
    std::string yaml = bad;
    if (yaml == "component_reconnect") {
      // Seconds that fit int64 but not the int the reconnect delay is kept in.
      auto r = load("  reconnect_max: 30d\n");
      ASSERT_FALSE(r.config) << yaml;
      EXPECT_NE(r.error->reason.find("component.reconnect_max"), std::string::npos)
          << r.error->reason;
      continue;
    }
    auto r = load(yaml);
    ASSERT_FALSE(r.config) << yaml;
    EXPECT_EQ(r.error->line, 4) << yaml;
    EXPECT_NE(r.error->reason.find("batching."), std::string::npos) << r.error->reason;
  }
  auto r = load("batching: { retention: 3650d, interval: 1h }\n");
  ASSERT_TRUE(r.config) << r.error->toString();
  EXPECT_EQ(r.config->batching.retention_ms, 3650LL * 86'400'000);
}

TEST_F(ConfigValidation, DomainsAndAgentJidsAreKeptLowerCase) {
  auto r = load("  domains: [Example.COM, example.org]\n");
  ASSERT_TRUE(r.config) << r.error->toString();
  EXPECT_EQ(r.config->component.domains, (std::vector<std::string>{"example.com", "example.org"}));
  r = load("agents: { virtual: [VA@Example.com], live: [Bob@example.COM] }\n");
  ASSERT_TRUE(r.config) << r.error->toString();
  EXPECT_EQ(r.config->agents.virtual_agents, std::vector<std::string>{"va@example.com"});
  EXPECT_EQ(r.config->agents.live_agents, std::vector<std::string>{"bob@example.com"});
  std::ofstream(dir_ / "vapush.yml")
      << "component:\n  jid: Push.Example.COM\n  secret_file: secret\n";
  r = loadConfig((dir_ / "vapush.yml").string());
  ASSERT_TRUE(r.config) << r.error->toString();
  EXPECT_EQ(r.config->component.domains, std::vector<std::string>{"example.com"});
}

}  // namespace
}  // namespace vapush
