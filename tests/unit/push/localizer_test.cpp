// SPDX-License-Identifier: Apache-2.0
// The ICU localizer with the built-in catalogs (packaging/i18n/): plural forms per
// language, language fallback, an operator's directory, catalog validation, and
// truncation on grapheme boundaries.
#include <gtest/gtest.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "push/localizer_icu.h"
#include "push/provider.h"

namespace vapush::push {
namespace {

std::unique_ptr<IcuLocalizer> builtin(const std::string& default_language = "en") {
  I18nConfig c;
  c.default_language = default_language;
  std::string error;
  auto l = IcuLocalizer::load(c, error);
  EXPECT_TRUE(l) << error;
  return l;
}

std::string body(const Localizer& l, const std::string& lang, int n) {
  return l.text(text_key::kNewMessagesBody, lang, n);
}

TEST(IcuLocalizer, EveryShippedLanguageIsComplete) {
  auto l = builtin();
  ASSERT_TRUE(l);
  const auto langs = l->languages();
  for (const char* want :
       {"en", "de", "fr", "es", "pt-BR", "it", "nl", "pl", "ja", "zh-Hans", "ar", "he"}) {
    EXPECT_NE(std::find(langs.begin(), langs.end(), want), langs.end()) << want;
    for (const std::string_view key : text_key::kAll) {
      EXPECT_FALSE(l->text(key, want, 3).empty()) << want << " " << key;
    }
  }
}

TEST(IcuLocalizer, PluralFormsFollowEachLanguage) {
  auto l = builtin();
  ASSERT_TRUE(l);
  EXPECT_EQ(body(*l, "en", 1), "1 new message");
  EXPECT_EQ(body(*l, "en", 5), "5 new messages");
  EXPECT_EQ(body(*l, "de", 1), "1 neue Nachricht");
  EXPECT_EQ(body(*l, "de", 2), "2 neue Nachrichten");
  EXPECT_EQ(body(*l, "pl", 1), "1 nowa wiadomość");
  EXPECT_EQ(body(*l, "pl", 2), "2 nowe wiadomości");
  EXPECT_EQ(body(*l, "pl", 5), "5 nowych wiadomości");
  EXPECT_EQ(body(*l, "pl", 22), "22 nowe wiadomości");
  EXPECT_EQ(body(*l, "pl", 12), "12 nowych wiadomości");
  EXPECT_EQ(l->text(text_key::kVirtualAgentTitle, "de"), "Virtueller Agent");
}

TEST(IcuLocalizer, ArabicHasSixDistinctForms) {
  auto l = builtin();
  ASSERT_TRUE(l);
  std::set<std::string> forms;
  for (int n : {0, 1, 2, 3, 11, 100}) forms.insert(body(*l, "ar", n));
  EXPECT_EQ(forms.size(), 6u);
  EXPECT_EQ(body(*l, "ar", 2), "رسالتان جديدتان");
}

TEST(IcuLocalizer, LanguageFallback) {
  auto l = builtin();
  ASSERT_TRUE(l);
  EXPECT_EQ(l->catalogFor("de-AT"), "de");
  EXPECT_EQ(l->catalogFor("pt"), "pt-BR");
  EXPECT_EQ(l->catalogFor("pt_br"), "pt-BR");
  EXPECT_EQ(l->catalogFor("zh-CN"), "zh-Hans");
  EXPECT_EQ(l->catalogFor("xx"), "en");
  EXPECT_EQ(l->catalogFor(""), "en");
  EXPECT_EQ(body(*l, "xx", 2), "2 new messages");
  auto de = builtin("de");
  ASSERT_TRUE(de);
  EXPECT_EQ(body(*de, "xx", 2), "2 neue Nachrichten");
}

TEST(IcuLocalizer, DefaultLanguageNeedsACatalog) {
  I18nConfig c;
  c.default_language = "tlh";
  std::string error;
  EXPECT_FALSE(IcuLocalizer::load(c, error));
  EXPECT_NE(error.find("tlh"), std::string::npos) << error;
}

class CatalogDir : public ::testing::Test {
 protected:
  void SetUp() override {
    dir_ = std::filesystem::temp_directory_path() /
           ("vapush-i18n-" + std::to_string(::getpid()) + "-" +
            ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(dir_);
    std::filesystem::create_directories(dir_);
    config_.directory = dir_.string();
  }
  void TearDown() override { std::filesystem::remove_all(dir_); }
  void write(const std::string& name, const std::string& text) {
    std::ofstream(dir_ / name) << text;
  }
  std::filesystem::path dir_;
  I18nConfig config_;
  std::string error_;
};

TEST_F(CatalogDir, OverridesAKeyAndAddsALanguage) {
  write("de.json", R"({"virtual_agent_title": "Digitaler Assistent"})");
  write("sv.json", R"({"virtual_agent_title": "Virtuell agent",
    "new_messages_body": "{count, plural, one {# nytt meddelande} other {# nya meddelanden}}",
    "encrypted_message_body": "Krypterat meddelande", "test_push_title": "Testavisering",
    "test_push_body": "Pushnotiser fungerar."})");
  auto l = IcuLocalizer::load(config_, error_);
  ASSERT_TRUE(l) << error_;
  EXPECT_EQ(l->text(text_key::kVirtualAgentTitle, "de"), "Digitaler Assistent");
  EXPECT_EQ(body(*l, "de", 2), "2 neue Nachrichten");  // the rest stays built in
  EXPECT_EQ(body(*l, "sv", 2), "2 nya meddelanden");
}

TEST_F(CatalogDir, BadPatternNamesFileAndKey) {
  write("de.json", R"({"new_messages_body": "{count, plural, one {# x}"})");
  EXPECT_FALSE(IcuLocalizer::load(config_, error_));
  EXPECT_NE(error_.find("de.json"), std::string::npos) << error_;
  EXPECT_NE(error_.find("new_messages_body"), std::string::npos) << error_;
}

TEST_F(CatalogDir, NewLanguageMustHaveEveryKey) {
  write("sv.json", R"({"virtual_agent_title": "Virtuell agent"})");
  EXPECT_FALSE(IcuLocalizer::load(config_, error_));
  EXPECT_NE(error_.find("sv"), std::string::npos) << error_;
  EXPECT_NE(error_.find("lacks key"), std::string::npos) << error_;
}

TEST_F(CatalogDir, UnknownKeyAndNonObjectAreErrors) {
  write("de.json", R"({"virtual_agent_titel": "x"})");
  EXPECT_FALSE(IcuLocalizer::load(config_, error_));
  EXPECT_NE(error_.find("unknown key 'virtual_agent_titel'"), std::string::npos) << error_;
  write("de.json", "[1, 2]");
  EXPECT_FALSE(IcuLocalizer::load(config_, error_));
  EXPECT_NE(error_.find("not a JSON object"), std::string::npos) << error_;
}

TEST(TruncateGraphemes, KeepsArabicMarksWithTheirLetter) {
  const std::string bi = "\xd8\xa8\xd9\x90";  // ب + kasra: one grapheme, 4 bytes
  EXPECT_EQ(truncateUtf8(bi + bi, 6), bi);    // not ب+kasra+ب (a letter without its mark)
  EXPECT_EQ(truncateUtf8(bi + bi, 8), bi + bi);
  EXPECT_EQ(truncateUtf8(bi, 3), "");
}

TEST(TruncateGraphemes, KeepsEmojiSequencesWhole) {
  const std::string family = "\xf0\x9f\x91\xa8\xe2\x80\x8d\xf0\x9f\x91\xa9";  // 👨‍👩
  EXPECT_EQ(truncateUtf8("a" + family, 8), "a");
}

}  // namespace
}  // namespace vapush::push
