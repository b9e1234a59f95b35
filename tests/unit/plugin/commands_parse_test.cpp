// SPDX-License-Identifier: Apache-2.0
// Pure helpers behind the commands: value parsing, UTF-8, JIDs, secret helpers.
#include <gtest/gtest.h>

#include "plugin/command_base.h"
#include "plugin/preferences_parse.h"
#include "plugin/registration.h"
#include "plugin/secret.h"

namespace vapush {
namespace {

constexpr TimeMs kNow = 1'800'000'000'000;  // 2027-01-15T08:00:00Z

TEST(CommandsParseTest, HhMm) {
  EXPECT_EQ(parseHhMm("00:00"), 0);
  EXPECT_EQ(parseHhMm("23:59"), 23 * 60 + 59);
  EXPECT_EQ(parseHhMm("07:05"), 7 * 60 + 5);
  for (auto bad : {"24:00", "7:00", "07:60", "0700", "07:00 ", "ab:cd", ""}) {
    EXPECT_FALSE(parseHhMm(bad)) << bad;
  }
  EXPECT_EQ(formatHhMm(7 * 60 + 5), "07:05");
}

TEST(CommandsParseTest, TimeZoneNames) {
  for (auto ok : {"UTC", "Europe/Berlin", "America/Argentina/Buenos_Aires",
                  "America/Port-au-Prince", "Etc/GMT+5"}) {
    EXPECT_TRUE(isTimeZoneName(ok)) << ok;
  }
  for (auto bad : {"", "/Europe", "Europe/", "Europe//Berlin", "../x", "Europe/Berlin Zoo",
                   "1Europe/Berlin", "Europe/Ber;lin"}) {
    EXPECT_FALSE(isTimeZoneName(bad)) << bad;
  }
}

TEST(CommandsParseTest, Until) {
  std::string why;
  EXPECT_EQ(parseUntil("forever", kNow, why), Preferences::kForever);
  EXPECT_EQ(parseUntil("Forever", kNow, why), Preferences::kForever);
  EXPECT_EQ(parseUntil("30m", kNow, why), kNow + 30 * 60'000);
  EXPECT_EQ(parseUntil("2d", kNow, why), kNow + 2 * 86'400'000LL);
  EXPECT_EQ(parseUntil("1w", kNow, why), kNow + 7 * 86'400'000LL);
  EXPECT_EQ(parseUntil("P1DT12H", kNow, why), kNow + 36 * 3'600'000LL);
  EXPECT_EQ(parseUntil("P2W", kNow, why), kNow + 14 * 86'400'000LL);
  EXPECT_EQ(parseUntil("PT90S", kNow, why), kNow + 90'000);
  EXPECT_EQ(parseUntil("2027-01-16", kNow, why), kNow + 16 * 3'600'000LL);
  EXPECT_EQ(parseUntil("2027-01-15T09:00Z", kNow, why), kNow + 3'600'000);
  EXPECT_EQ(parseUntil("2027-01-15T10:00:00.250+01:00", kNow, why), kNow + 3'600'000);
  EXPECT_EQ(parseUntil("2027-01-15T08:30:00-00:30", kNow, why), kNow + 3'600'000);
  for (auto bad : {"", "soon", "P1M", "P1Y", "PT", "P", "8x", "2027-02-30", "2027-13-01",
                   "2027-01-15T25:00Z", "2027-01-15T09:00+1", "99999999999d"}) {
    EXPECT_FALSE(parseUntil(bad, kNow, why)) << bad;
  }
  EXPECT_FALSE(parseUntil("2027-01-15T07:00Z", kNow, why));
  EXPECT_NE(why.find("past"), std::string::npos);
}

TEST(CommandsParseTest, FormatUtc) {
  EXPECT_EQ(formatUtc(kNow), "2027-01-15 08:00 UTC");
  EXPECT_EQ(formatUtc(0), "1970-01-01 00:00 UTC");
  EXPECT_EQ(formatUtc(951'782'400'000), "2000-02-29 00:00 UTC");
  EXPECT_EQ(formatUntil(Preferences::kForever), "forever");
}

TEST(CommandsParseTest, PeerJids) {
  EXPECT_EQ(normalizePeerJid("Bob@Example.COM/Phone"), "bob@example.com");
  EXPECT_EQ(normalizePeerJid("conference.example.com"), "conference.example.com");
  for (auto bad : {"", "@example.com", "bob@", "a b@example.com", "bob@x@y", "<b>@x"}) {
    EXPECT_FALSE(normalizePeerJid(bad)) << bad;
  }
}

TEST(CommandsParseTest, Utf8) {
  EXPECT_TRUE(isValidUtf8("plain"));
  EXPECT_TRUE(isValidUtf8("J\xc3\xbcrgen \xe2\x82\xac \xf0\x9f\x98\x80"));
  EXPECT_FALSE(isValidUtf8("\xff"));
  EXPECT_FALSE(isValidUtf8("\xc0\xaf"));          // overlong '/'
  EXPECT_FALSE(isValidUtf8("\xed\xa0\x80"));      // surrogate
  EXPECT_FALSE(isValidUtf8("\xf4\x90\x80\x80"));  // > U+10FFFF
  EXPECT_FALSE(isValidUtf8("\xe2\x82"));          // truncated
}

TEST(CommandsParseTest, Callers) {
  auto c = parseCaller("Alice@Example.com/Res/With@Odd");
  ASSERT_TRUE(c);
  EXPECT_EQ(c->bare, "alice@example.com");
  EXPECT_EQ(c->domain, "example.com");
  EXPECT_EQ(c->resource, "Res/With@Odd");
  EXPECT_EQ(parseCaller("alice@example.com")->resource, "");
  EXPECT_FALSE(parseCaller("example.com/res"));
  EXPECT_FALSE(parseCaller("alice@/res"));
  EXPECT_FALSE(parseCaller(std::string(1024, 'a') + "@example.com"));
}

TEST(CommandsParseTest, LanguageTags) {
  EXPECT_FALSE(languageProblem("en"));
  EXPECT_FALSE(languageProblem("pt-BR"));
  EXPECT_FALSE(languageProblem("zh-Hant-TW"));
  EXPECT_TRUE(languageProblem("en_US"));
  EXPECT_TRUE(languageProblem("1en"));
  EXPECT_TRUE(languageProblem("en--US"));
  EXPECT_TRUE(languageProblem(""));
}

TEST(CommandsParseTest, SecretHelpers) {
  EXPECT_TRUE(constantTimeEquals("abc", "abc"));
  EXPECT_FALSE(constantTimeEquals("abc", "abd"));
  EXPECT_FALSE(constantTimeEquals("abc", "abcd"));
  EXPECT_TRUE(constantTimeEquals("", ""));
  EXPECT_EQ(hexEncode(std::string("\x00\x7f\xff", 3)), "007fff");
  EXPECT_TRUE(isHex("00aaFF"));
  EXPECT_FALSE(isHex(""));
  EXPECT_FALSE(isHex("0g"));
}

TEST(CommandsParseTest, RateWindowSlides) {
  RateWindow w;
  const auto t0 = std::chrono::steady_clock::time_point(std::chrono::hours(1));
  std::chrono::milliseconds retry{0};
  const std::chrono::milliseconds minute{60'000};
  EXPECT_TRUE(w.tryAcquire("u", 2, t0, minute, retry));
  EXPECT_TRUE(w.tryAcquire("u", 2, t0 + std::chrono::seconds(20), minute, retry));
  EXPECT_FALSE(w.tryAcquire("u", 2, t0 + std::chrono::seconds(30), minute, retry));
  EXPECT_EQ(retry, std::chrono::seconds(30));
  EXPECT_TRUE(w.tryAcquire("v", 2, t0 + std::chrono::seconds(30), minute, retry));
  EXPECT_TRUE(w.tryAcquire("u", 2, t0 + std::chrono::seconds(60), minute, retry));
  EXPECT_TRUE(w.tryAcquire("u", 0, t0, minute, retry));  // 0 = unlimited
}

}  // namespace
}  // namespace vapush
