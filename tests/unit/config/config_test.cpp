// SPDX-License-Identifier: Apache-2.0
// Tests for plugin/config: defaults, every section, and errors with line numbers.
#include "plugin/config.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>

namespace vapush {
namespace {

namespace fs = std::filesystem;

class ConfigTest : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = fs::temp_directory_path() /
           ("vapush-config-test-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    fs::create_directories(dir_);
    write("secret", "s3cret\n");
  }
  void TearDown() override { fs::remove_all(dir_); }
  std::string write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
    return (dir_ / name).string();
  }
  ConfigResult load(const std::string& yaml) { return loadConfig(write("vapush.yml", yaml)); }
  fs::path dir_;
};

constexpr const char* kMinimal =
    "component:\n"
    "  jid: push.example.com\n"
    "  secret_file: secret\n";

TEST_F(ConfigTest, MinimalUsesDefaults) {
  auto r = load(kMinimal);
  ASSERT_TRUE(r.config) << r.error->toString();
  const Config& c = *r.config;
  EXPECT_EQ(c.component.jid, "push.example.com");
  EXPECT_EQ(c.component.secret, "s3cret");
  EXPECT_EQ(c.component.host, "127.0.0.1");
  EXPECT_EQ(c.component.port, 5347);
  ASSERT_EQ(c.component.domains.size(), 1u);
  EXPECT_EQ(c.component.domains[0], "example.com");
  EXPECT_EQ(c.batching.interval_ms, 60'000);
  EXPECT_EQ(c.storage.busy_timeout_ms, 10'000);
  EXPECT_TRUE(c.apps.empty());
}

TEST_F(ConfigTest, FullExample) {
  write("AuthKey.p8", "key");
  write("sa.json", "{}");
  auto r = load(std::string(kMinimal) +
                "  port: 15347\n"
                "  domains: [example.com, example.org]\n"
                "storage: { sqlite: data/vapush.db, busy_timeout: 30s }\n"
                "batching: { interval: 2s, quiet_hours: drop, idle_threshold: 10m }\n"
                "agents: { virtual: [va@example.com], live: [] }\n"
                "apps:\n"
                "  - { name: ios, platform: apns, topic: com.example.chat, team_id: T1,\n"
                "      key_id: K1, key_file: AuthKey.p8, sandbox: true, push_modules: [m1] }\n"
                "  - { name: android, platform: fcm, project_id: p1,\n"
                "      service_account_file: sa.json, endpoint: 'https://127.0.0.1:9' }\n"
                "http: { listen: '127.0.0.1:9464' }\n"
                "log: { level: debug, format: json }\n");
  ASSERT_TRUE(r.config) << r.error->toString();
  const Config& c = *r.config;
  EXPECT_EQ(c.component.port, 15347);
  EXPECT_EQ(c.component.domains.size(), 2u);
  EXPECT_EQ(c.storage.sqlite, (dir_ / "data/vapush.db").string());
  EXPECT_EQ(c.storage.busy_timeout_ms, 30'000);
  EXPECT_EQ(c.batching.interval_ms, 2000);
  EXPECT_EQ(c.batching.idle_threshold_ms, 600'000);
  EXPECT_EQ(c.batching.quiet_hours, QuietHoursMode::Drop);
  EXPECT_EQ(c.agents.virtual_agents.at(0), "va@example.com");
  ASSERT_EQ(c.apps.size(), 2u);
  EXPECT_EQ(c.apps[0].endpoint, "https://api.sandbox.push.apple.com");
  EXPECT_EQ(c.apps[0].key_file, (dir_ / "AuthKey.p8").string());
  EXPECT_EQ(c.apps[0].push_modules.at(0), "m1");
  EXPECT_EQ(c.apps[1].platform, Platform::Fcm);
  EXPECT_EQ(c.apps[1].endpoint, "https://127.0.0.1:9");
  EXPECT_EQ(c.log.format, LogFormat::Json);
}

TEST_F(ConfigTest, MissingFile) {
  auto r = loadConfig((dir_ / "nope.yml").string());
  ASSERT_FALSE(r.config);
  EXPECT_NE(r.error->toString().find("nope.yml"), std::string::npos);
  EXPECT_NE(r.error->reason.find("cannot open"), std::string::npos);
}

TEST_F(ConfigTest, BadYamlHasLine) {
  auto r = load("component:\n  jid: push.example.com\n  port: [1, 2\n");
  ASSERT_FALSE(r.config);
  EXPECT_GT(r.error->line, 0);
  EXPECT_NE(r.error->reason.find("invalid YAML"), std::string::npos);
}

TEST_F(ConfigTest, UnknownKeyNamesKeyAndLine) {
  auto r = load(std::string(kMinimal) + "batching:\n  interval: 60s\n  intervall: 5s\n");
  ASSERT_FALSE(r.config);
  EXPECT_EQ(r.error->line, 6);
  EXPECT_NE(r.error->reason.find("batching.intervall"), std::string::npos);
  auto top = load(std::string(kMinimal) + "colour: blue\n");
  ASSERT_FALSE(top.config);
  EXPECT_EQ(top.error->line, 4);
}

TEST_F(ConfigTest, WrongTypes) {
  auto port = load("component:\n  jid: push.example.com\n  secret_file: secret\n  port: high\n");
  ASSERT_FALSE(port.config);
  EXPECT_EQ(port.error->line, 4);
  EXPECT_NE(port.error->reason.find("component.port"), std::string::npos);
  auto range = load(std::string(kMinimal) + "  port: 70000\n");
  ASSERT_FALSE(range.config);
  auto dur = load(std::string(kMinimal) + "batching: { interval: soon }\n");
  ASSERT_FALSE(dur.config);
  EXPECT_NE(dur.error->reason.find("batching.interval"), std::string::npos);
  auto list = load(std::string(kMinimal) + "agents: { virtual: va@example.com }\n");
  ASSERT_FALSE(list.config);
  EXPECT_NE(list.error->reason.find("expected a list"), std::string::npos);
  auto flag = load(std::string(kMinimal) + "  allow_foreign_users: maybe\n");
  ASSERT_FALSE(flag.config);
}

TEST_F(ConfigTest, StanzaLimitIsAtLeastGlooxReadBuffer) {
  auto r = load(std::string(kMinimal) + "limits: { max_stanza_bytes: 8191 }\n");
  ASSERT_FALSE(r.config);
  EXPECT_NE(r.error->reason.find("limits.max_stanza_bytes"), std::string::npos);
  r = load(std::string(kMinimal) + "limits: { max_stanza_bytes: 8192 }\n");
  ASSERT_TRUE(r.config) << r.error->toString();
  EXPECT_EQ(r.config->limits.max_stanza_bytes, 8192u);
  EXPECT_EQ(load(kMinimal).config->limits.max_stanza_bytes, 1u << 20);
}

TEST_F(ConfigTest, SampleStanzaLimitCoversTheServersClientLimit) {
  std::ifstream in(std::string(VAPUSH_TEST_DATA) + "/../../packaging/vapush.yml");
  std::stringstream ss;
  ss << in.rdbuf();
  const std::string text = ss.str();
  const auto at = text.find("\n  max_stanza_bytes: ");
  ASSERT_NE(at, std::string::npos);
  EXPECT_GE(std::stol(text.substr(at + 20)), 262144) << "ejabberd's and Prosody's c2s limit";
}

TEST_F(ConfigTest, FpushDomainsDefaultToDomainsAndAreValidated) {
  auto r = load(std::string(kMinimal) + "  domains: [example.com, example.org]\n");
  ASSERT_TRUE(r.config) << r.error->toString();
  EXPECT_EQ(r.config->component.fpush_domains, r.config->component.domains);
  EXPECT_EQ(r.config->limits.new_fpush_devices_per_minute, 60);
  EXPECT_EQ(r.config->batching.disabled_device_retention_ms, 30LL * 24 * 3600 * 1000);
  r = load(std::string(kMinimal) +
           "  domains: [example.com, example.org]\n  fpush_domains: [Example.COM]\n"
           "limits: { new_fpush_devices_per_minute: 5 }\n"
           "batching: { disabled_device_retention: 7d }\n");
  ASSERT_TRUE(r.config) << r.error->toString();
  EXPECT_EQ(r.config->component.fpush_domains, std::vector<std::string>{"example.com"});
  EXPECT_EQ(r.config->limits.new_fpush_devices_per_minute, 5);
  EXPECT_EQ(r.config->batching.disabled_device_retention_ms, 7LL * 24 * 3600 * 1000);
  r = load(std::string(kMinimal) + "  fpush_domains: []\n");
  ASSERT_TRUE(r.config) << r.error->toString();
  EXPECT_TRUE(r.config->component.fpush_domains.empty()) << "[] turns fpush off";
  for (const char* bad : {"[user@example.com]", "[example.com, example.com]", "['']"}) {
    SCOPED_TRACE(bad);
    r = load(std::string(kMinimal) + "  fpush_domains: " + bad + "\n");
    ASSERT_FALSE(r.config);
    EXPECT_EQ(r.error->line, 4);
    EXPECT_NE(r.error->reason.find("component.fpush_domains"), std::string::npos);
  }
  r = load(std::string(kMinimal) + "limits: { new_fpush_devices_per_minute: 0 }\n");
  EXPECT_FALSE(r.config);
}

TEST_F(ConfigTest, SecretProblems) {
  auto none = load("component:\n  jid: push.example.com\n");
  ASSERT_FALSE(none.config);
  EXPECT_NE(none.error->reason.find("secret"), std::string::npos);
  auto missing = load("component:\n  jid: push.example.com\n  secret_file: nope\n");
  ASSERT_FALSE(missing.config);
  EXPECT_EQ(missing.error->line, 3);
  write("empty", "");
  auto empty = load("component:\n  jid: push.example.com\n  secret_file: empty\n");
  ASSERT_FALSE(empty.config);
  // The secret itself never appears in an error.
  auto other = load(std::string(kMinimal) + "  port: x\n");
  EXPECT_EQ(other.error->toString().find("s3cret"), std::string::npos);
}

TEST_F(ConfigTest, AppValidation) {
  auto noPlatform = load(std::string(kMinimal) + "apps:\n  - { name: ios }\n");
  ASSERT_FALSE(noPlatform.config);
  EXPECT_NE(noPlatform.error->reason.find("platform"), std::string::npos);
  auto noTopic = load(std::string(kMinimal) +
                      "apps:\n  - { name: ios, platform: apns, key_file: k, team_id: t, "
                      "key_id: k }\n");
  ASSERT_FALSE(noTopic.config);
  auto mixed = load(std::string(kMinimal) +
                    "apps:\n  - { name: a, platform: fcm, service_account_file: s, topic: x }\n");
  ASSERT_FALSE(mixed.config);
  EXPECT_NE(mixed.error->reason.find("only for apns"), std::string::npos);
  auto dup = load(std::string(kMinimal) +
                  "apps:\n  - { name: a, platform: fcm, service_account_file: s }\n"
                  "  - { name: a, platform: fcm, service_account_file: s }\n");
  ASSERT_FALSE(dup.config);
  EXPECT_EQ(dup.error->line, 6);
  auto http = load(std::string(kMinimal) +
                   "apps:\n  - { name: a, platform: fcm, service_account_file: s, "
                   "endpoint: 'http://x' }\n");
  ASSERT_FALSE(http.config);
}

TEST_F(ConfigTest, PushStylePerAppDefaultsToAlert) {
  auto r = load(std::string(kMinimal) +
                "apps:\n  - { name: a, platform: fcm, service_account_file: s, push_style: wake }\n"
                "  - { name: b, platform: fcm, service_account_file: s }\n");
  ASSERT_TRUE(r.config) << r.error->toString();
  EXPECT_EQ(r.config->apps[0].push_style, PushStyle::Wake);
  EXPECT_EQ(r.config->apps[1].push_style, PushStyle::Alert);
  auto bad = load(std::string(kMinimal) +
                  "apps:\n  - { name: a, platform: fcm, service_account_file: s,\n"
                  "      push_style: silent }\n");
  ASSERT_FALSE(bad.config);
  EXPECT_EQ(bad.error->line, 6);
  EXPECT_NE(bad.error->reason.find("apps[a].push_style: expected alert or wake"), std::string::npos)
      << bad.error->reason;
}

TEST_F(ConfigTest, CertificateAuthPemOrPkcs12) {
  const std::string app =
      std::string(kMinimal) + "apps:\n  - { name: ios, platform: apns, topic: t, ";
  write("pw", "p12 password\n");
  auto p12 = load(app + "cert_file: push.p12, cert_password_file: pw }\n");
  ASSERT_TRUE(p12.config) << p12.error->reason;
  EXPECT_EQ(p12.config->apps[0].cert_type, "P12");
  EXPECT_EQ(p12.config->apps[0].cert_password, "p12 password");
  auto pem = load(app + "cert_file: push.crt, cert_key_file: push.key }\n");
  ASSERT_TRUE(pem.config) << pem.error->reason;
  EXPECT_EQ(pem.config->apps[0].cert_type, "PEM");
  auto forced = load(app + "cert_file: push.bin, cert_type: P12 }\n");
  ASSERT_TRUE(forced.config) << forced.error->reason;
  EXPECT_EQ(forced.config->apps[0].cert_type, "P12");
  auto keyed = load(app + "cert_file: push.pfx, cert_key_file: k }\n");
  ASSERT_FALSE(keyed.config);
  EXPECT_NE(keyed.error->reason.find("holds its own key"), std::string::npos);
  auto orphan = load(app + "key_file: k, team_id: t, key_id: k, cert_password_file: pw }\n");
  ASSERT_FALSE(orphan.config);
  EXPECT_NE(orphan.error->reason.find("only with cert_file"), std::string::npos);
  auto missing = load(app + "cert_file: push.p12, cert_password_file: nope }\n");
  ASSERT_FALSE(missing.config);
  EXPECT_EQ(missing.error->line, 5);
}

TEST_F(ConfigTest, DeliverySectionDefaultsAndValidation) {
  auto r = load(kMinimal);
  ASSERT_TRUE(r.config);
  EXPECT_EQ(r.config->delivery.invalid_token_share_percent, 20);
  EXPECT_EQ(r.config->delivery.invalid_token_window_ms, 600'000);
  EXPECT_EQ(r.config->delivery.invalid_token_min, 5);
  EXPECT_EQ(r.config->delivery.hold_min_ms, 60'000);
  EXPECT_EQ(r.config->delivery.hold_max_ms, 1'800'000);
  r = load(
      std::string(kMinimal) +
      "delivery: { invalid_token_share: 35%, invalid_token_window: 5m, invalid_token_min: 20,\n"
      "            hold_min: 30s, hold_max: 1h }\n");
  ASSERT_TRUE(r.config) << r.error->toString();
  EXPECT_EQ(r.config->delivery.invalid_token_share_percent, 35);
  EXPECT_EQ(r.config->delivery.invalid_token_window_ms, 300'000);
  EXPECT_EQ(r.config->delivery.invalid_token_min, 20);
  EXPECT_EQ(r.config->delivery.hold_min_ms, 30'000);
  EXPECT_EQ(r.config->delivery.hold_max_ms, 3'600'000);
  EXPECT_EQ(load(std::string(kMinimal) + "delivery: { invalid_token_share: 20 }\n")
                .config->delivery.invalid_token_share_percent,
            20);
  for (const char* bad :
       {"delivery: { invalid_token_share: 0% }\n", "delivery: { invalid_token_share: 101% }\n",
        "delivery: { invalid_token_share: lots }\n", "delivery: { invalid_token_min: 1 }\n",
        "delivery: { invalid_token_window: 10ms }\n", "delivery: { hold_min: 5m, hold_max: 1m }\n",
        "delivery: { breaker: on }\n"}) {
    r = load(std::string(kMinimal) + bad);
    ASSERT_FALSE(r.config) << bad;
    EXPECT_EQ(r.error->line, 4) << bad;
    EXPECT_NE(r.error->reason.find("delivery"), std::string::npos) << r.error->reason;
  }
}

}  // namespace
}  // namespace vapush
