// SPDX-License-Identifier: Apache-2.0
// Issue 18 keys of the config: defaults.language, i18n.directory (relative to the
// config file), apps[].localize and apps[].mutable_content, with errors naming the line.
#include <gtest/gtest.h>

#include "plugin/config.h"

namespace vapush {
namespace {

constexpr const char* kBase =
    "component: { jid: push.example.com, secret: s }\n"
    "apps:\n"
    "  - { name: ios, platform: apns, topic: t, team_id: T, key_id: K, key_file: k.p8";

ConfigResult parse(const std::string& app_extra, const std::string& rest = "") {
  return parseConfig(std::string(kBase) + app_extra + " }\n" + rest, "/etc/vapush/vapush.yml");
}

TEST(I18nConfig, Defaults) {
  const auto r = parse("");
  ASSERT_TRUE(r.config) << r.error->toString();
  EXPECT_EQ(r.config->i18n.default_language, "en");
  EXPECT_EQ(r.config->i18n.directory, "");
  EXPECT_FALSE(r.config->apps[0].localize_on_device);
  EXPECT_FALSE(r.config->apps[0].mutable_content);
}

TEST(I18nConfig, AllKeys) {
  const auto r = parse(", localize: device, mutable_content: true",
                       "defaults: { language: pt-BR }\ni18n: { directory: i18n }\n");
  ASSERT_TRUE(r.config) << r.error->toString();
  EXPECT_EQ(r.config->i18n.default_language, "pt-BR");
  EXPECT_EQ(r.config->i18n.directory, "/etc/vapush/i18n");
  EXPECT_TRUE(r.config->apps[0].localize_on_device);
  EXPECT_TRUE(r.config->apps[0].mutable_content);
}

TEST(I18nConfig, BadValuesNameTheLine) {
  auto r = parse(", localize: phone");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->line, 3);
  EXPECT_NE(r.error->reason.find("localize: expected server or device"), std::string::npos);
  r = parse("", "defaults: { language: 'not a tag' }\n");
  ASSERT_TRUE(r.error);
  EXPECT_EQ(r.error->line, 4);
  EXPECT_NE(r.error->reason.find("defaults.language"), std::string::npos);
  r = parse("", "i18n: { catalogs: x }\n");
  ASSERT_TRUE(r.error);
  EXPECT_NE(r.error->reason.find("unknown key 'i18n.catalogs'"), std::string::npos)
      << r.error->reason;
}

}  // namespace
}  // namespace vapush
